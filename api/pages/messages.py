"""Messages the page code picks in Python (refusals, notices), as msgids marked for
extraction; the template translates the one it is given (`{{ _(error) }}`).

Generated first by a conversion script (decision 0014); edited by hand.
"""

from __future__ import annotations

from workflow.i18n import N_

UNSUB_INVALID = N_("Đường dẫn không hợp lệ hoặc đã bị thay đổi.")
UNSUB_MANDATORY = N_("Cảnh báo quá hạn gửi lãnh đạo không thể tắt.")
MAIL_KIND_REMINDER = N_("Nhắc việc sắp đến hạn")
MAIL_KIND_DUE_TODAY = N_("Nhắc việc đến hạn hôm nay")
MAIL_KIND_OVERDUE = N_("Thông báo quá hạn")
MAIL_KIND_ESCALATION = N_("Cảnh báo quá hạn gửi lãnh đạo")
MAIL_KIND_ASSIGNED = N_("Thông báo giao việc")
MAIL_KIND_RETURNED = N_("Thông báo trả lại nhiệm vụ")
MAIL_KIND_REWORK = N_("Yêu cầu làm lại")
MAIL_KIND_EXTENSION_DECIDED = N_("Kết quả đề nghị gia hạn")
MAIL_KIND_AWAITING_REVIEW = N_("Thông báo nhiệm vụ chờ duyệt")
MAIL_KIND_EXTENSION_REQUESTED = N_("Đề nghị gia hạn cần xem xét")
MAIL_KIND_ITEM_UPDATE = N_("Thông báo thay đổi trạng thái nhiệm vụ")
MAIL_KIND_CHASE = N_("Đôn đốc thực hiện nhiệm vụ")
MAIL_KIND_SUPPORT_ASSIGNED = N_("Thông báo đơn vị phối hợp thực hiện nhiệm vụ")
MAIL_KIND_INFORMED = N_("Thông báo nhiệm vụ gửi đơn vị để biết")
MAIL_KIND_SUPPORT_CLOSED = N_("Thông báo kết thúc nhiệm vụ đơn vị phối hợp")
MAIL_KIND_REASSIGNED = N_("Thông báo nhiệm vụ đã giao lại cho người khác")
MAIL_KIND_COMMENT = N_("Ý kiến trao đổi về nhiệm vụ")
MAIL_KIND_DIGEST = N_("Thư tổng hợp hằng ngày")
MAIL_KIND_REPORT = N_("Báo cáo định kỳ")
LOGIN_FAILED = N_("Sai tên đăng nhập hoặc mật khẩu.")
LOGIN_LOCKED = N_("Đăng nhập sai nhiều lần: vui lòng thử lại sau ít phút.")
LOGIN_LIMITED = N_("Quá nhiều lần thử, vui lòng đợi một phút.")
PASSWORD_TOO_SHORT = N_("Mật khẩu mới phải có ít nhất %(n)s ký tự.")
PASSWORD_MISMATCH = N_("Hai lần nhập mật khẩu mới không khớp nhau.")
RESET_DONE = N_("Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới.")
CALENDAR_ADDED = N_(
    "Đã lưu điều chỉnh ngày %(day)s. Đã tính lại hạn xử lý của %(n)s công việc đang mở."
)
CALENDAR_REMOVED = N_(
    "Đã bỏ điều chỉnh ngày %(day)s; ngày này theo lịch của pháp luật. Đã tính lại hạn xử lý của %(n)s công việc đang mở."
)
CALENDAR_ERROR_DAY = N_("Ngày không hợp lệ (cần một ngày từ năm 2000 đến năm 2100).")
CALENDAR_ERROR_KIND = N_("Chọn ngày này là ngày nghỉ hay ngày làm việc.")
CALENDAR_ERROR_REASON = N_("Cần ghi lý do: văn bản đã công bố quyết định này.")
CALENDAR_ERROR_REASON_LONG = N_("Lý do quá dài: tối đa 500 ký tự.")
CALENDAR_ERROR_NO_OVERRIDE = N_(
    "Không có điều chỉnh nào cho ngày %(day)s (có thể vừa được người khác bỏ)."
)
ASSIGN_NOT_ASSIGNABLE = N_(
    "Nhiệm vụ này đã được rút khỏi kế hoạch hoặc có nhiệm vụ con; hãy giao từng nhiệm vụ con."
)
ASSIGN_ERROR_LEAD_UNIT = N_("Chưa chọn đơn vị chủ trì.")
ASSIGN_ERROR_TITLE = N_("Chưa nhập nội dung công việc.")
ASSIGN_ERROR_ASSIGNEE = N_("Chưa chọn người xử lý.")
ASSIGN_ERROR_ASSIGNEE_UNIT = N_("Người xử lý phải là cán bộ đang hoạt động của đơn vị chủ trì.")
ASSIGN_ERROR_UNITS = N_("Có đơn vị phối hợp hoặc nhận để biết không hợp lệ.")
ASSIGN_ERROR_UNITS_LEAD = N_(
    "Đơn vị chủ trì không thể đồng thời là đơn vị phối hợp hoặc nhận để biết."
)
ASSIGN_ERROR_UNITS_BOTH = N_(
    "Một đơn vị chỉ có thể là đơn vị phối hợp hoặc nhận để biết, không thể cả hai."
)
ASSIGN_ERROR_START = N_("Ngày bắt đầu chưa nhập hoặc không hợp lệ.")
ASSIGN_ERROR_DUE_BOTH = N_("Chỉ nhập một trong hai: hạn xử lý hoặc số ngày làm việc.")
ASSIGN_ERROR_DUE_MISSING = N_("Chưa nhập thời hạn: hạn xử lý hoặc số ngày làm việc.")
ASSIGN_ERROR_DUE_DATE = N_("Hạn xử lý không phải ngày hợp lệ.")
ASSIGN_ERROR_DUE_BEFORE_START = N_("Hạn xử lý không được trước ngày bắt đầu.")
ASSIGN_ERROR_WORKING_DAYS = N_("Số ngày làm việc phải là số nguyên từ 1 đến 3650.")
ASSIGN_ERROR_PRIORITY = N_("Mức độ ưu tiên không hợp lệ.")
ASSIGN_ERROR_REPEAT = N_("Kiểu lặp lại không hợp lệ.")
ASSIGN_ERROR_UNTIL = N_("Ngày kết thúc lặp lại không hợp lệ hoặc trước hạn xử lý lần đầu.")
ASSIGN_ERROR_TOO_LONG = N_(
    "Nội dung quá dài: tên công việc tối đa 500 ký tự, mô tả 20.000, sản phẩm 5.000."
)
ASSIGN_ERROR_GENERIC = N_("Không giao được việc với thông tin đã nhập. Vui lòng kiểm tra lại.")
UNITS_ERROR_UNKNOWN = N_("Đơn vị không tồn tại.")
UNITS_ERROR_LEAD_SUPPORTS = N_("Đơn vị chủ trì không đồng thời là đơn vị phối hợp.")
UNITS_ERROR_WITHDRAWN = N_("Nhiệm vụ đã bị rút khỏi kế hoạch, không phân công được.")
UNITS_ERROR_GENERIC = N_("Không lưu được phân công. Vui lòng kiểm tra lại.")
ERROR_TRANSITION = N_("Không thể thực hiện thao tác này ở trạng thái hiện tại của công việc.")
ERROR_STALE = N_(
    "Công việc vừa được người khác cập nhật. Trang đã hiện nội dung mới nhất; vui lòng kiểm tra lại rồi thao tác."
)
ERROR_NOT_ALLOWED = N_("Bạn không có quyền thực hiện thao tác này.")
ERROR_INVALID = N_("Chưa đủ thông tin để thực hiện (ví dụ: cần ghi lý do hoặc gửi sản phẩm trước).")
ERROR_TITLE = N_("Không thực hiện được")
ERROR_CSRF = N_("Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.")
ERROR_GENERIC = N_("Yêu cầu không thực hiện được. Vui lòng quay lại và thử lại.")
ERROR_BUSY = N_("Hệ thống đang bận. Vui lòng thử lại sau giây lát.")
ERROR_PROGRESS_RANGE = N_("Tiến độ là một số phần trăm từ 0 đến 100.")
ERROR_EVIDENCE_EMPTY = N_("Cần nhập ghi chú hoặc chọn tệp đính kèm.")
ERROR_FILE_TOO_LARGE = N_("Tệp quá lớn: tối đa %(mb)s MB.")
ERROR_FILE_TYPE = N_(
    "Loại tệp này không được chấp nhận (chấp nhận PDF, Word, Excel, ảnh PNG/JPEG, văn bản thuần, ZIP)."
)
ERROR_ITEM_CLOSED = N_("Công việc đã kết thúc.")
ERROR_DATE = N_("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 31/05/2026.")
ERROR_EXTENSION_NO_REASON = N_("Cần ghi lý do đề nghị gia hạn.")
ERROR_EXTENSION_NOT_LATER = N_("Hạn mới đề nghị phải sau hạn xử lý hiện tại.")
ERROR_EXTENSION_PENDING = N_("Đã có một đề nghị gia hạn đang chờ quyết định.")
ERROR_EXTENSION_DECIDED = N_("Đề nghị gia hạn này đã được quyết định.")
ERROR_DECISION = N_("Chọn Đồng ý hoặc Không đồng ý.")
ERROR_NOTE_TOO_LONG = N_("Ghi chú dài quá 5.000 ký tự.")
ERROR_COMMENT_EMPTY = N_("Ý kiến không được để trống.")
REPORTS_NOT_ALLOWED = N_(
    "Báo cáo định kỳ dành cho Ban Giám đốc, trưởng các đơn vị và bộ phận điều phối."
)
REPORT_BUILD_ERROR = N_("Không lập được báo cáo: kỳ báo cáo chưa kết thúc hoặc không hợp lệ.")
ERROR_READING_NOT_ALLOWED = N_(
    "Chỉ đầu mối cải cách hành chính (bộ phận điều phối) và quản trị hệ thống được ghi số liệu chỉ tiêu."
)
ERROR_READING_DATE = N_("Ngày số liệu không hợp lệ: chọn hoặc nhập ngày theo dạng ngày/tháng/năm.")
ERROR_READING_NOT_A_NUMBER = N_(
    "Giá trị phải là một số (ví dụ 85 hoặc 85,5), không có dấu phân cách hàng nghìn."
)
ERROR_READING_TOO_LARGE = N_("Giá trị quá lớn.")
ERROR_READING_NOTE_LONG = N_("Ghi chú dài quá %(max)s ký tự.")
ERROR_READING_PERCENT = N_("Chỉ tiêu tính theo tỷ lệ phần trăm: giá trị phải từ 0 đến 100.")
ERROR_READING_FUTURE = N_("Ngày số liệu không được sau ngày hôm nay.")
ERROR_READING_OUTSIDE_PLAN = N_("Ngày số liệu phải thuộc các năm của kế hoạch (%(start)s-%(end)s).")
SETTINGS_SAVED = N_("Đã lưu tùy chọn nhận thông báo.")
ERROR_SETTINGS = N_("Tùy chọn chưa hợp lệ (giờ phải từ 0 đến 23). Chưa lưu gì.")
ERROR_SERVER = N_("Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau.")
DATE_PICK = N_("Chọn ngày")
DATE_PREV_MONTH = N_("Tháng trước")
DATE_NEXT_MONTH = N_("Tháng sau")
DATE_DAY_OFF = N_("ngày nghỉ")
DATE_HINT_BAD = N_("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 31/05/2026.")
DATE_HINT_MOVES = N_("%(day)s là ngày nghỉ → hạn là %(becomes)s")
DATE_HINT_WORKING = N_("%(day)s là ngày làm việc")
DATE_HINT_PAST = N_("%(day)s đã qua.")
ASSIGN_ERROR_DUE_PAST = N_("Hạn xử lý là một ngày đã qua: chọn ngày khác hoặc đánh dấu ô xác nhận.")
ERROR_EXTENSION_PAST = N_("Hạn đề nghị gia hạn phải từ hôm nay trở đi.")
NAMES_ERROR_ALIAS_NAME = N_("Tên gọi khác phải có từ 1 đến 255 ký tự.")
NAMES_ERROR_ALIAS_TARGET = N_("Hãy chọn một đơn vị hoặc nhóm có trong danh sách.")
NAMES_ERROR_ALIAS_TAKEN = N_(
    "Tên này đã là mã hoặc tên của một đơn vị hay nhóm; không cần tên gọi khác."
)
NAMES_ERROR_ALIAS_UNKNOWN = N_("Không có tên gọi khác này.")
NAMES_ERROR_GROUP_CODE = N_(
    "Mã nhóm đã được dùng hoặc không hợp lệ (1-40 chữ cái không dấu, chữ số, _ - .)."
)
NAMES_ERROR_GROUP_NAME = N_("Tên nhóm trống, quá dài hoặc đã là tên của một đơn vị hay nhóm khác.")
NAMES_ERROR_GROUP_MEMBERS = N_(
    "Hãy chọn các đơn vị của nhóm, hoặc các loại đơn vị, nhưng không chọn cả hai."
)
NAMES_ERROR_GROUP_UNKNOWN = N_("Không có nhóm này.")
ISSUE_ERROR_DUE = N_("Có thời hạn không đúng định dạng ngày.")
ISSUE_ERROR_DUE_PAST = N_("Thời hạn đã qua.")
ISSUE_ERROR_ASSIGNEE = N_("Người nhận phải là cán bộ của đơn vị chủ trì.")
ISSUE_ERROR_GENERIC = N_("Không ban hành được. Vui lòng kiểm tra lại.")

# The plan import page (api/pages/plan_import.py).
IMPORT_ERROR_NO_FILE = N_("Hãy chọn tệp kế hoạch.")
IMPORT_ERROR_TYPE = N_("Chỉ nhận tệp .docx, .pdf, .md hoặc .txt.")
IMPORT_ERROR_READ = N_("Không đọc được tệp kế hoạch.")
IMPORT_ERROR_EXPIRED = N_("Tệp đã xem trước không còn: hãy chọn lại tệp.")

# The absences page (api/pages/absences.py).
ABSENCE_ERROR_DATES = N_(
    "Ngày không hợp lệ (dd/mm/yyyy, ngày kết thúc không trước ngày bắt đầu và chưa qua)."
)
ABSENCE_ERROR_DELEGATE = N_(
    "Người được ủy quyền phải là người khác, đang làm việc trong cùng đơn vị."
)
ABSENCE_ERROR_OVERLAP = N_("Người này đã có lịch vắng mặt trùng thời gian.")

# The administration of people (api/pages/people_admin.py).
PEOPLE_EMAIL_TAKEN = N_("Địa chỉ e-mail %(email)s đã được dùng cho tài khoản %(holder)s.")
PEOPLE_USERNAME_TAKEN = N_("Tên đăng nhập %(username)s đã có người dùng.")
PEOPLE_LAST_ADMIN = N_(
    "Đây là quản trị viên cuối cùng đang hoạt động: hãy giao vai trò quản trị cho một tài khoản khác trước."
)
PEOPLE_ERROR_USERNAME = N_(
    "Tên đăng nhập gồm 2 đến 80 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang."
)
PEOPLE_ERROR_EMAIL = N_("Địa chỉ e-mail không hợp lệ.")
PEOPLE_ERROR_NAME = N_("Chưa nhập họ và tên (tối đa 255 ký tự).")
PEOPLE_ERROR_UNIT = N_("Chọn một đơn vị.")
PEOPLE_ERROR_ROLE = N_("Chọn một vai trò.")
PEOPLE_ERROR_TITLE = N_("Chức vụ tối đa 255 ký tự.")
PEOPLE_ERROR_ADMIN_ONLY = N_(
    "Chỉ quản trị viên được chuyển đơn vị hoặc đổi vai trò; trưởng đơn vị quản lý chuyên viên của đơn vị mình."
)
PEOPLE_DIRECTORY_NOT_LINKED = N_(
    "Tài khoản thư mục của bạn (%(email)s) chưa gắn với cán bộ nào trong planflow. Hãy đề nghị quản trị viên thêm bạn với đúng địa chỉ e-mail này."
)
PEOPLE_DIRECTORY_REFUSED = N_(
    "Đăng nhập qua thư mục không thành công: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa."
)
PEOPLE_DIRECTORY_INACTIVE = N_(
    "Tài khoản planflow của bạn đã ngừng kích hoạt. Hãy liên hệ quản trị viên."
)
PEOPLE_DIRECTORY_FAILED = N_("Không đăng nhập được qua nhà cung cấp định danh. Vui lòng thử lại.")

# The outbox console (api/pages/outbox.py).
OUTBOX_NOTHING_CHOSEN = N_("Chưa chọn thư nào để gửi lại.")
OUTBOX_NOT_SUPPRESSED = N_("Địa chỉ này không có trong danh sách chặn.")

# A WorkflowError's `code` → the message that words it on a page.
ERROR_NOT_FOUND = N_("Không tìm thấy công việc (hoặc bạn không được xem).")
ERROR_NOT_IN_LEAD_UNIT = N_("Người được chọn không thuộc đơn vị chủ trì của công việc này.")
ERROR_ASSIGNEE_INACTIVE = N_("Người được chọn không còn hoạt động.")
ERROR_SAME_ASSIGNEE = N_("Công việc đã giao cho người này.")
ERROR_DUE_PAST = N_("Hạn mới không được trước ngày hôm nay.")
ERROR_BULK_EMPTY = N_("Chưa chọn công việc nào.")
ERROR_BULK_TOO_MANY = N_("Mỗi lần chỉ thao tác tối đa 200 công việc.")
ERROR_BULK_ACTION = N_("Chưa chọn thao tác.")
ERROR_BULK_NO_ASSIGNEE = N_("Chưa chọn người nhận việc.")
ERROR_BULK_NO_REASON = N_("Cần ghi lý do hủy.")
ERROR_VIEW_NAME = N_("Cần đặt tên cho chế độ xem.")
ERROR_VIEW_NAME_LONG = N_("Tên chế độ xem tối đa 80 ký tự.")
ERROR_VIEW_TOO_MANY = N_("Mỗi người lưu tối đa 50 chế độ xem.")
ERROR_SEARCH_EMPTY = N_("Nhập ít nhất một từ để tìm.")
ERROR_SEARCH_TOO_LONG = N_("Nội dung tìm kiếm dài quá 200 ký tự.")
ERROR_EXPORT_TOO_MANY = N_(
    "Danh sách có quá nhiều công việc để xuất (tối đa %(max)s): hãy lọc thêm."
)

ERROR_CODES: dict[str, str] = {
    "transition": ERROR_TRANSITION,
    "stale": ERROR_STALE,
    "not_allowed": ERROR_NOT_ALLOWED,
    "invalid": ERROR_INVALID,
    "title": ERROR_TITLE,
    "csrf": ERROR_CSRF,
    "generic": ERROR_GENERIC,
    "busy": ERROR_BUSY,
    "progress_range": ERROR_PROGRESS_RANGE,
    "evidence_empty": ERROR_EVIDENCE_EMPTY,
    "file_too_large": ERROR_FILE_TOO_LARGE,
    "file_type": ERROR_FILE_TYPE,
    "item_closed": ERROR_ITEM_CLOSED,
    "date": ERROR_DATE,
    "extension_no_reason": ERROR_EXTENSION_NO_REASON,
    "extension_not_later": ERROR_EXTENSION_NOT_LATER,
    "extension_pending": ERROR_EXTENSION_PENDING,
    "extension_decided": ERROR_EXTENSION_DECIDED,
    "decision": ERROR_DECISION,
    "note_too_long": ERROR_NOTE_TOO_LONG,
    "comment_empty": ERROR_COMMENT_EMPTY,
    "reading_not_allowed": ERROR_READING_NOT_ALLOWED,
    "reading_date": ERROR_READING_DATE,
    "reading_not_a_number": ERROR_READING_NOT_A_NUMBER,
    "reading_too_large": ERROR_READING_TOO_LARGE,
    "reading_note_long": ERROR_READING_NOTE_LONG,
    "reading_percent": ERROR_READING_PERCENT,
    "reading_future": ERROR_READING_FUTURE,
    "reading_outside_plan": ERROR_READING_OUTSIDE_PLAN,
    "settings": ERROR_SETTINGS,
    "last_admin": PEOPLE_LAST_ADMIN,
    "server": ERROR_SERVER,
    "extension_past": ERROR_EXTENSION_PAST,
    "not_found": ERROR_NOT_FOUND,
    "not_in_lead_unit": ERROR_NOT_IN_LEAD_UNIT,
    "assignee_inactive": ERROR_ASSIGNEE_INACTIVE,
    "bulk_same_assignee": ERROR_SAME_ASSIGNEE,
    "due_past": ERROR_DUE_PAST,
    "bulk_empty": ERROR_BULK_EMPTY,
    "bulk_too_many": ERROR_BULK_TOO_MANY,
    "bulk_action": ERROR_BULK_ACTION,
    "bulk_no_assignee": ERROR_BULK_NO_ASSIGNEE,
    "bulk_no_reason": ERROR_BULK_NO_REASON,
    "view_name": ERROR_VIEW_NAME,
    "view_name_long": ERROR_VIEW_NAME_LONG,
    "view_too_many": ERROR_VIEW_TOO_MANY,
    "search_empty": ERROR_SEARCH_EMPTY,
    "search_too_long": ERROR_SEARCH_TOO_LONG,
}
BOARD_NO_MOVE = N_("Không thể chuyển công việc sang cột này: quy trình không có bước đó.")
BOARD_NOT_YOURS = N_("Bạn không có quyền chuyển công việc này sang cột đó.")
