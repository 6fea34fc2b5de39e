// The unit board's drag and drop (api/templates/_board.html): dropping a card on a column
// posts the same move as the card's "Chuyển sang" control, to the same URL; the server runs
// the transition the state table allows or answers why not. Columns the card may move to are
// outlined green while dragging, the others red (a drop there is refused with a message).
(function () {
  "use strict";
  let dragged = null;

  function columnOf(el) { return el && el.closest ? el.closest(".column") : null; }

  function clearMarks() {
    document.querySelectorAll(".column.drop-ok, .column.drop-no").forEach(function (c) {
      c.classList.remove("drop-ok", "drop-no");
    });
  }

  function move(card, state) {
    const board = document.getElementById("board");
    const values = {
      to: state,
      version: card.dataset.version,
      unit: board.dataset.unit,
      lane: board.dataset.lane,
      csrf_token: board.dataset.csrf,
    };
    const url = "/ui/board/items/" + card.dataset.item + "/move";
    if (window.htmx) {
      window.htmx.ajax("POST", url, {
        source: card, target: "#board", swap: "outerHTML", values: values,
      });
      return;
    }
    // Without htmx: a plain form post (the server answers with a redirect or a page).
    const f = document.createElement("form");
    f.method = "post";
    f.action = url;
    Object.entries(values).forEach(function (kv) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = kv[0];
      input.value = kv[1];
      f.appendChild(input);
    });
    document.body.appendChild(f);
    f.submit();
  }

  document.addEventListener("dragstart", function (e) {
    const card = e.target.closest ? e.target.closest(".card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.item);
    const allowed = (card.dataset.moves || "").split(" ");
    card.closest(".columns").querySelectorAll(".column").forEach(function (c) {
      if (c.dataset.state === card.dataset.state) return;
      c.classList.add(allowed.indexOf(c.dataset.state) >= 0 ? "drop-ok" : "drop-no");
    });
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearMarks();
  });

  document.addEventListener("dragover", function (e) {
    const col = columnOf(e.target);
    if (dragged && col && col.dataset.state !== dragged.dataset.state) e.preventDefault();
  });

  document.addEventListener("drop", function (e) {
    const col = columnOf(e.target);
    if (!dragged || !col || col.dataset.state === dragged.dataset.state) return;
    e.preventDefault();
    const card = dragged;
    clearMarks();
    move(card, col.dataset.state);
  });
})();
