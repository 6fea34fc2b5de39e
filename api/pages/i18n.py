"""UI strings in Vietnamese (default) and English, chosen by the `pf_lang` cookie.

A small catalogue keeps the pages self-contained; mail templates have their own.
"""

from __future__ import annotations

from fastapi import Request

from api.problems import prefers_english
from workflow.models import User
from workflow.states import ACTION_LABELS, STATE_LABELS

LANG_COOKIE = "pf_lang"

STRINGS: dict[str, tuple[str, str]] = {
    "app": ("Theo dõi thực hiện kế hoạch", "Plan execution tracking"),
    "login": ("Đăng nhập", "Sign in"),
    "logout": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập hoặc e-mail", "Username or e-mail"),
    "password": ("Mật khẩu", "Password"),
    # --- the dashboard (/), the unit page (/ui/team), the unsubscribe page (uiteam) ---
    "dash_scope_agency": ("Toàn cơ quan", "The whole agency"),
    "dash_scope_units": ("Các đơn vị phụ trách", "Units you oversee"),
    "dash_scope_unit": ("Đơn vị", "Your unit"),
    "dash_scope_own": ("Công việc được giao cho bạn", "Work assigned to you"),
    "dash_open": ("Chưa hoàn thành", "Open"),
    "dash_overdue": ("Quá hạn", "Overdue"),
    "dash_due_soon": (
        "Đến hạn trong {n} ngày làm việc",
        "Due within {n} working days",
    ),
    "dash_awaiting_review": ("Chờ duyệt", "Awaiting review"),
    "dash_done_on_time": ("Hoàn thành đúng hạn năm {year}", "Done on time in {year}"),
    "dash_done_late": ("Hoàn thành quá hạn năm {year}", "Done late in {year}"),
    "dash_done_on_time_short": ("Hoàn thành đúng hạn", "Done on time"),
    "dash_done_late_short": ("Hoàn thành quá hạn", "Done late"),
    "dash_on_track": ("Đang thực hiện trong hạn", "In progress, on track"),
    "dash_total": ("Tổng số", "Total"),
    "dash_completion": ("Tỷ lệ hoàn thành", "Completion rate"),
    "dash_unit": ("Đơn vị", "Unit"),
    "dash_by_unit": ("Theo đơn vị", "By unit"),
    "dash_by_area": ("Tiến độ theo lĩnh vực", "Progress by plan area"),
    "dash_most_overdue": ("Công việc quá hạn lâu nhất", "Most overdue work"),
    "dash_overdue_by": ("Số ngày quá hạn", "Overdue by"),
    "dash_none_overdue": ("Không có công việc quá hạn.", "Nothing is overdue."),
    "dash_team_link": ("Công việc của đơn vị", "Work of the units"),
    "dash_overdue_link": ("Các việc quá hạn", "Overdue work"),
    "dash_note": (
        "Số hoàn thành tính từ ngày 01/01/{year}; số chưa hoàn thành và quá hạn tính đến"
        " thời điểm xem. Mỗi công việc được tính cho đơn vị chủ trì.",
        "Done counts run from 1 January {year}; open and overdue counts are as of now."
        " Each work item counts for its lead unit.",
    ),
    "nav_team": ("Đơn vị", "Units"),
    "team_title": ("Công việc của đơn vị", "Work of the units"),
    "team_items": ("Công việc", "Work items"),
    "team_all_units": ("Tất cả đơn vị", "All units"),
    "team_state_open": ("Chưa hoàn thành", "Open"),
    "team_state_all": ("Tất cả", "All"),
    "team_everyone": ("Tất cả", "Everyone"),
    "team_overdue_only": ("Chỉ việc quá hạn", "Overdue only"),
    "team_filter": ("Lọc", "Filter"),
    "team_more": (
        "Chỉ hiện {n} công việc đầu tiên; hãy lọc thêm.",
        "Only the first {n} items are shown; narrow the filters.",
    ),
    "team_by_person": ("Theo cán bộ", "By person"),
    "team_person": ("Cán bộ", "Person"),
    "team_no_people": ("Chưa có cán bộ nào.", "Nobody yet."),
    "unsub_title": ("Ngừng nhận thông báo", "Stop notifications"),
    "unsub_ask": ("Bạn muốn ngừng nhận thư", "Do you want to stop receiving"),
    "unsub_at": ("tại địa chỉ", "at"),
    "unsub_done": ("Bạn sẽ không nhận thư", "You will no longer receive"),
    "unsub_done_after": (" nữa", ""),
    "unsub_again": (
        "Muốn nhận lại, hãy thay đổi cách nhận thông báo trong trang cá nhân.",
        "To receive them again, change how you receive notifications in your profile.",
    ),
    "unsub_button": ("Ngừng nhận", "Unsubscribe"),
    "unsub_invalid": (
        "Đường dẫn không hợp lệ hoặc đã bị thay đổi.",
        "This link is not valid or has been altered.",
    ),
    "unsub_mandatory": (
        "Cảnh báo quá hạn gửi lãnh đạo không thể tắt.",
        "Overdue alerts to managers cannot be switched off.",
    ),
    # Kinds of mail as the unsubscribe page names them (api.pages.unsubscribe.KIND_LABELS).
    "mail_kind_reminder": ("Nhắc việc sắp đến hạn", "Reminders before the due date"),
    "mail_kind_due_today": ("Nhắc việc đến hạn hôm nay", "Reminders on the due date"),
    "mail_kind_overdue": ("Thông báo quá hạn", "Overdue notices"),
    "mail_kind_escalation": ("Cảnh báo quá hạn gửi lãnh đạo", "Overdue alerts to managers"),
    "mail_kind_assigned": ("Thông báo giao việc", "New work assigned"),
    "mail_kind_returned": ("Thông báo trả lại nhiệm vụ", "Work returned"),
    "mail_kind_rework": ("Yêu cầu làm lại", "Rework requested"),
    "mail_kind_extension_decided": ("Kết quả đề nghị gia hạn", "Extension decisions"),
    "mail_kind_awaiting_review": ("Thông báo nhiệm vụ chờ duyệt", "Work awaiting review"),
    "mail_kind_extension_requested": (
        "Đề nghị gia hạn cần xem xét",
        "Extension requests to decide",
    ),
    "mail_kind_item_update": (
        "Thông báo thay đổi trạng thái nhiệm vụ",
        "Changes of a work item's state",
    ),
    "mail_kind_chase": ("Đôn đốc thực hiện nhiệm vụ", "Chasers"),
    "mail_kind_support_assigned": (
        "Thông báo đơn vị phối hợp thực hiện nhiệm vụ",
        "Work your unit supports",
    ),
    "mail_kind_informed": (
        "Thông báo nhiệm vụ gửi đơn vị để biết",
        "Work your unit is informed about",
    ),
    "mail_kind_support_closed": (
        "Thông báo kết thúc nhiệm vụ đơn vị phối hợp",
        "Supported work closed",
    ),
    "mail_kind_reassigned": (
        "Thông báo nhiệm vụ đã giao lại cho người khác",
        "Work reassigned to someone else",
    ),
    "mail_kind_comment": ("Ý kiến trao đổi về nhiệm vụ", "Comments on your work"),
    "mail_kind_digest": ("Thư tổng hợp hằng ngày", "Daily digest"),
    "mail_kind_report": ("Báo cáo định kỳ", "Periodic reports"),
    # --- end of uiteam's block ---
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_locked": (
        "Đăng nhập sai nhiều lần: vui lòng thử lại sau ít phút.",
        "Too many failed attempts: please try again in a few minutes.",
    ),
    "login_limited": (
        "Quá nhiều lần thử, vui lòng đợi một phút.",
        "Too many attempts, please wait a minute.",
    ),
    "forgot_link": ("Quên mật khẩu?", "Forgot your password?"),
    "forgot_title": ("Quên mật khẩu", "Forgotten password"),
    "forgot_intro": (
        "Nhập tên đăng nhập hoặc địa chỉ e-mail của tài khoản. Hệ thống sẽ gửi thư có"
        " liên kết để đặt mật khẩu mới đến địa chỉ e-mail đã đăng ký của tài khoản.",
        "Enter your account's username or e-mail address. A link to choose a new password"
        " will be mailed to the address registered for the account.",
    ),
    "forgot_submit": ("Gửi liên kết đặt lại mật khẩu", "Send the reset link"),
    # The same answer whether or not the account exists (no account enumeration).
    "forgot_sent": (
        "Nếu tên đăng nhập hoặc e-mail vừa nhập thuộc một tài khoản đang hoạt động, thư có"
        " liên kết đặt lại mật khẩu đã được gửi đến địa chỉ e-mail của tài khoản đó. Liên"
        " kết có hiệu lực trong {hours} giờ và chỉ dùng được một lần. Nếu không thấy thư,"
        " hãy kiểm tra hộp thư rác hoặc liên hệ quản trị hệ thống.",
        "If the username or e-mail you entered belongs to an active account, a mail with a"
        " link to reset the password has been sent to that account's address. The link is"
        " valid for {hours} hours and works once. If no mail arrives, check the spam folder"
        " or ask the system administrator.",
    ),
    "back_to_login": ("Quay lại trang đăng nhập", "Back to sign-in"),
    "reset_title": ("Đặt lại mật khẩu", "Reset password"),
    "reset_account": ("Tài khoản", "Account"),
    "new_password": ("Mật khẩu mới (ít nhất {n} ký tự)", "New password ({n} characters or more)"),
    "confirm_password": ("Nhập lại mật khẩu mới", "New password again"),
    "password_too_short": (
        "Mật khẩu mới phải có ít nhất {n} ký tự.",
        "The new password must have at least {n} characters.",
    ),
    "password_mismatch": (
        "Hai lần nhập mật khẩu mới không khớp nhau.",
        "The two entries of the new password differ.",
    ),
    "reset_invalid": (
        "Liên kết đặt lại mật khẩu không hợp lệ, đã hết hạn hoặc đã được sử dụng."
        " Mật khẩu của bạn không thay đổi.",
        "This password reset link is invalid, has expired or has already been used."
        " Your password has not changed.",
    ),
    "reset_again": ("Yêu cầu liên kết mới", "Ask for a new link"),
    "reset_done": (
        "Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới.",
        "Your new password is set. Please sign in with it.",
    ),
    "my_items": ("Công việc của tôi", "My work items"),
    "plans": ("Kế hoạch", "Plans"),
    "home": ("Tổng quan", "Overview"),
    "title": ("Nội dung", "Title"),
    "state": ("Trạng thái", "State"),
    "due": ("Hạn xử lý", "Due"),
    "lead_unit": ("Đơn vị chủ trì", "Lead unit"),
    "assignee": ("Người xử lý", "Assignee"),
    "no_items": ("Không có công việc nào.", "No work items."),
    "flag_overdue": ("Quá hạn", "Overdue"),
    "flag_due_soon": ("Sắp đến hạn", "Due soon"),
    "flag_on_track": ("Trong hạn", "On track"),
    "flag_closed": ("Đã đóng", "Closed"),
    "actions": ("Thao tác", "Actions"),
    "comment": ("Ý kiến", "Comment"),
    "history": ("Lịch sử xử lý", "History"),
    "description": ("Mô tả", "Description"),
    "evidence_required": ("Sản phẩm yêu cầu", "Required evidence"),
    "objectives": ("Mục tiêu", "Objectives"),
    "indicators": ("Chỉ tiêu", "Indicators"),
    "tasks": ("Nhiệm vụ", "Tasks"),
    "area": ("Lĩnh vực", "Area"),
    # The "Giao việc" form (api/pages/assign.py).
    "assign_link": ("Giao việc", "Assign"),
    "assign_title": ("Giao việc từ nhiệm vụ kế hoạch", "Assign a plan task"),
    "assign_task": ("Nhiệm vụ", "Task"),
    "assign_back_to_plan": ("Quay lại kế hoạch", "Back to the plan"),
    "assign_open_items": (
        "Nhiệm vụ này đã có công việc đang thực hiện:",
        "This task already has work in progress:",
    ),
    "assign_choose": ("— Chọn —", "— Choose —"),
    "assign_change_unit": ("Chọn đơn vị", "Choose unit"),
    "assign_change_unit_hint": (
        "Đổi đơn vị chủ trì để chọn người xử lý thuộc đơn vị đó.",
        "Change the lead unit to choose an assignee of that unit.",
    ),
    "assign_no_people": (
        "Đơn vị chủ trì chưa có cán bộ nào đang hoạt động.",
        "The lead unit has no active staff.",
    ),
    "assign_supporting": ("Đơn vị phối hợp", "Supporting units"),
    "assign_informed": ("Đơn vị nhận để biết", "Informed units"),
    "assign_start": ("Ngày bắt đầu", "Start date"),
    "assign_due_legend": (
        "Thời hạn: nhập hạn xử lý hoặc số ngày làm việc (một trong hai)",
        "Deadline: a due date or a number of working days (one of the two)",
    ),
    "assign_due_on": ("Hạn xử lý (ngày)", "Due date"),
    "assign_due_days": ("Số ngày làm việc kể từ ngày bắt đầu", "Working days from the start date"),
    "assign_priority": ("Mức độ ưu tiên", "Priority"),
    "priority_low": ("Thấp", "Low"),
    "priority_normal": ("Bình thường", "Normal"),
    "priority_high": ("Cao", "High"),
    "priority_urgent": ("Khẩn", "Urgent"),
    # the working calendar page (/ui/calendar)
    "nav_calendar": ("Lịch làm việc", "Working calendar"),
    "calendar_title": ("Lịch làm việc năm {year}", "Working calendar {year}"),
    "calendar_intro": (
        "Ngày nghỉ lễ, Tết theo Bộ luật Lao động 2019 (Điều 112), ngày nghỉ bù, ngày nghỉ"
        " hoán đổi và ngày làm bù theo thông báo hằng năm, cùng các điều chỉnh theo quyết định"
        " đã công bố. Hạn xử lý tính theo ngày làm việc; hạn rơi vào ngày nghỉ được chuyển"
        " sang ngày làm việc tiếp theo.",
        "Public holidays under the Labour Code 2019 (Art. 112), days off in lieu, swapped days"
        " off and the weekend days worked for them as announced each year, and the overrides"
        " entered from published decisions. Deadlines count working days; a deadline on a day"
        " off moves to the next working day.",
    ),
    "calendar_days": ("Ngày nghỉ và ngày làm việc đặc biệt", "Days off and special working days"),
    "calendar_date": ("Ngày", "Date"),
    "calendar_weekday": ("Thứ", "Day"),
    "calendar_law": ("Theo quy định", "By law"),
    "calendar_override": ("Điều chỉnh", "Override"),
    "calendar_result": ("Áp dụng", "In effect"),
    "calendar_kind_holiday": ("Nghỉ lễ, Tết", "Public holiday"),
    "calendar_kind_observed": ("Nghỉ bù", "Day off in lieu"),
    "calendar_kind_swapped_off": ("Nghỉ hoán đổi", "Swapped day off"),
    "calendar_kind_working_weekend": ("Làm bù", "Weekend day worked"),
    "calendar_worked_for": ("bù cho ngày nghỉ {day}", "for the day off on {day}"),
    "calendar_on_weekend": (
        "trùng ngày nghỉ hằng tuần, được nghỉ bù",
        "on a weekend: a day off in lieu follows",
    ),
    "calendar_override_off": ("Điều chỉnh: nghỉ", "Override: day off"),
    "calendar_override_working": ("Điều chỉnh: làm việc", "Override: working day"),
    "calendar_entered_by": ("Nhập bởi {name}, lúc {at}", "Entered by {name} at {at}"),
    "calendar_working": ("Làm việc", "Working day"),
    "calendar_off": ("Nghỉ", "Day off"),
    "calendar_remove": ("Bỏ điều chỉnh", "Remove the override"),
    "calendar_months": ("Số ngày làm việc theo tháng", "Working days per month"),
    "calendar_total": ("Cả năm", "Whole year"),
    "calendar_add": (
        "Thêm điều chỉnh theo quyết định đã công bố",
        "Add an override from a published decision",
    ),
    "calendar_day": ("Ngày", "Day"),
    "calendar_kind": ("Ngày này là", "This day is"),
    "calendar_make_off": ("Ngày nghỉ", "A day off"),
    "calendar_make_working": ("Ngày làm việc (làm bù)", "A working day"),
    "calendar_reason": (
        "Lý do: văn bản công bố (số, ngày, cơ quan ban hành)",
        "Reason: the decision that published it (number, date, issuer)",
    ),
    "calendar_recompute_hint": (
        "Hạn xử lý của các công việc đang mở sẽ được tính lại theo lịch mới.",
        "The deadlines of open work items are recomputed with the new calendar.",
    ),
    "calendar_submit": ("Lưu điều chỉnh", "Save the override"),
    "calendar_read_only": (
        "Chỉ Văn phòng (bộ phận CCHC) và quản trị hệ thống được điều chỉnh lịch làm việc.",
        "Only the coordinator (Văn phòng) and administrators may change the calendar.",
    ),
    "calendar_added": (
        "Đã lưu điều chỉnh ngày {day}. Đã tính lại hạn xử lý của {n} công việc đang mở.",
        "The override of {day} is saved. Open work items whose deadline was recomputed: {n}.",
    ),
    "calendar_removed": (
        "Đã bỏ điều chỉnh ngày {day}; ngày này theo lịch của pháp luật. Đã tính lại hạn xử lý"
        " của {n} công việc đang mở.",
        "The override of {day} is removed; the law's calendar rules that day again. Open"
        " work items whose deadline was recomputed: {n}.",
    ),
    "calendar_error_day": (
        "Ngày không hợp lệ (cần một ngày từ năm 2000 đến năm 2100).",
        "That is not a valid day (a date from 2000 to 2100 is needed).",
    ),
    "calendar_error_kind": (
        "Chọn ngày này là ngày nghỉ hay ngày làm việc.",
        "Choose whether the day is a day off or a working day.",
    ),
    "calendar_error_reason": (
        "Cần ghi lý do: văn bản đã công bố quyết định này.",
        "An override needs a reason: the decision that published it.",
    ),
    "calendar_error_reason_long": (
        "Lý do quá dài: tối đa 500 ký tự.",
        "The reason is too long: 500 characters at most.",
    ),
    "calendar_error_no_override": (
        "Không có điều chỉnh nào cho ngày {day} (có thể vừa được người khác bỏ).",
        "There is no override for {day} (someone may have just removed it).",
    ),
    "assign_repeat_legend": ("Việc định kỳ", "Recurring work"),
    "assign_repeat": ("Lặp lại", "Repeat"),
    "assign_repeat_none": ("Không lặp lại", "Does not repeat"),
    "assign_repeat_monthly": ("Hằng tháng", "Monthly"),
    "assign_repeat_quarterly": ("Hằng quý", "Quarterly"),
    "assign_until": ("Lặp đến ngày (không bắt buộc)", "Repeat until (optional)"),
    "assign_repeat_hint": (
        "Lần đầu là công việc giao ngay bây giờ; các lần sau được tạo tự động trước ngày bắt"
        " đầu 7 ngày, cùng ngày trong tháng với hạn xử lý lần đầu và cùng số ngày làm việc."
        " Đơn vị nhận để biết, mức độ ưu tiên và mô tả chỉ áp dụng cho lần đầu.",
        "The first occurrence is the item assigned now; the next ones are created"
        " automatically 7 days before they start, on the first due date's day of the month"
        " and with the same number of working days. Informed units, priority and"
        " description apply to the first occurrence only.",
    ),
    "assign_submit": ("Giao việc", "Assign"),
    "assign_not_assignable": (
        "Nhiệm vụ này đã được rút khỏi kế hoạch hoặc có nhiệm vụ con; hãy giao từng nhiệm vụ con.",
        "This task was withdrawn from the plan or has sub-tasks; assign its sub-tasks instead.",
    ),
    "assign_error_lead_unit": ("Chưa chọn đơn vị chủ trì.", "Choose the lead unit."),
    "assign_error_title": ("Chưa nhập nội dung công việc.", "Enter the title of the work."),
    "assign_error_assignee": ("Chưa chọn người xử lý.", "Choose the assignee."),
    "assign_error_assignee_unit": (
        "Người xử lý phải là cán bộ đang hoạt động của đơn vị chủ trì.",
        "The assignee must be an active member of the lead unit.",
    ),
    "assign_error_units": (
        "Có đơn vị phối hợp hoặc nhận để biết không hợp lệ.",
        "A supporting or informed unit is not valid.",
    ),
    "assign_error_units_lead": (
        "Đơn vị chủ trì không thể đồng thời là đơn vị phối hợp hoặc nhận để biết.",
        "The lead unit cannot also support or be informed.",
    ),
    "assign_error_units_both": (
        "Một đơn vị chỉ có thể là đơn vị phối hợp hoặc nhận để biết, không thể cả hai.",
        "A unit either supports or is informed, not both.",
    ),
    "assign_error_start": (
        "Ngày bắt đầu chưa nhập hoặc không hợp lệ.",
        "The start date is missing or not a valid date.",
    ),
    "assign_error_due_both": (
        "Chỉ nhập một trong hai: hạn xử lý hoặc số ngày làm việc.",
        "Give either a due date or a number of working days, not both.",
    ),
    "assign_error_due_missing": (
        "Chưa nhập thời hạn: hạn xử lý hoặc số ngày làm việc.",
        "Give the deadline: a due date or a number of working days.",
    ),
    "assign_error_due_date": (
        "Hạn xử lý không phải ngày hợp lệ.",
        "The due date is not a valid date.",
    ),
    "assign_error_due_before_start": (
        "Hạn xử lý không được trước ngày bắt đầu.",
        "The due date cannot be before the start date.",
    ),
    "assign_error_working_days": (
        "Số ngày làm việc phải là số nguyên từ 1 đến 3650.",
        "The number of working days must be a whole number from 1 to 3650.",
    ),
    "assign_error_priority": ("Mức độ ưu tiên không hợp lệ.", "The priority is not valid."),
    "assign_error_repeat": ("Kiểu lặp lại không hợp lệ.", "The repeat choice is not valid."),
    "assign_error_until": (
        "Ngày kết thúc lặp lại không hợp lệ hoặc trước hạn xử lý lần đầu.",
        "The repeat end date is not valid or is before the first due date.",
    ),
    "assign_error_too_long": (
        "Nội dung quá dài: tên công việc tối đa 500 ký tự, mô tả 20.000, sản phẩm 5.000.",
        "Too long: the title takes 500 characters at most, the description 20,000, the "
        "product 5,000.",
    ),
    "assign_error_generic": (
        "Không giao được việc với thông tin đã nhập. Vui lòng kiểm tra lại.",
        "The work could not be assigned with these details. Please check them.",
    ),
    # --- distributing plan tasks to units (api/pages/plan_units.py, taskunits) ---
    "units_link": ("Phân công", "Distribute"),
    "units_title": (
        "Phân công đơn vị chủ trì, phối hợp",
        "Lead and supporting units of a plan task",
    ),
    "units_intro": (
        "Đơn vị chủ trì giao việc cho cán bộ của mình; đơn vị phối hợp được gợi ý khi giao việc."
        " Nhập lại kế hoạch không xóa phân công này, trừ khi văn bản ghi rõ đơn vị.",
        "The lead unit assigns the work to its people; supporting units are suggested when"
        " assigning. Re-importing the plan keeps this unless the document names units.",
    ),
    "units_none": ("chưa phân công", "not distributed"),
    "units_no_lead": ("— Chưa có đơn vị chủ trì —", "— No lead unit —"),
    "units_submit": ("Lưu phân công", "Save"),
    "units_error_unknown": ("Đơn vị không tồn tại.", "That unit does not exist."),
    "units_error_lead_supports": (
        "Đơn vị chủ trì không đồng thời là đơn vị phối hợp.",
        "The lead unit cannot also be a supporting unit.",
    ),
    "units_error_withdrawn": (
        "Nhiệm vụ đã bị rút khỏi kế hoạch, không phân công được.",
        "The task was withdrawn from the plan: its units cannot be changed.",
    ),
    "units_error_generic": (
        "Không lưu được phân công. Vui lòng kiểm tra lại.",
        "The units could not be saved. Please check them.",
    ),
    # --- end of taskunits' block ---
    "switch": ("English", "Tiếng Việt"),
    "no_actions": ("Không có thao tác nào cho bạn.", "No action available to you."),
    "error_transition": (
        "Không thể thực hiện thao tác này ở trạng thái hiện tại của công việc.",
        "This action is not possible in the item's current state.",
    ),
    "error_stale": (
        "Công việc vừa được người khác cập nhật. Trang đã hiện nội dung mới nhất;"
        " vui lòng kiểm tra lại rồi thao tác.",
        "Someone else has just updated this item. The page now shows the latest version;"
        " please check it and try again.",
    ),
    "error_not_allowed": (
        "Bạn không có quyền thực hiện thao tác này.",
        "You are not allowed to take this action.",
    ),
    "error_invalid": (
        "Chưa đủ thông tin để thực hiện (ví dụ: cần ghi lý do hoặc gửi sản phẩm trước).",
        "Something is missing (for example a reason, or evidence to attach first).",
    ),
    "error_title": ("Không thực hiện được", "Could not be done"),
    "error_csrf": (
        "Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
        "The form has expired. Please reload the page and try again.",
    ),
    "error_generic": (
        "Yêu cầu không thực hiện được. Vui lòng quay lại và thử lại.",
        "The request could not be carried out. Please go back and try again.",
    ),
    "error_busy": (
        "Hệ thống đang bận. Vui lòng thử lại sau giây lát.",
        "The system is busy. Please try again in a moment.",
    ),
    "back": ("Quay lại", "Back"),
    "deadline": ("Tình trạng hạn", "Deadline"),
    "mailbox_title": ("Hộp thư thử nghiệm", "Dev mailbox"),
    "mailbox_intro": (
        "Thư hệ thống đã gửi vào thư mục maildir (chế độ nhúng, không gửi ra ngoài).",
        "Mail the system wrote to the maildir (embedded mode: nothing leaves this machine).",
    ),
    "mail_time": ("Thời gian", "Time"),
    "mail_to": ("Người nhận", "To"),
    "mail_subject": ("Tiêu đề", "Subject"),
    "mailbox_empty": ("Chưa có thư nào.", "No mail yet."),
    # --- the outbox console (/ui/outbox), administrators ---
    "outbox_title": ("Hộp thư đi", "Outbox"),
    "outbox_alarm": (
        "Máy chủ thư lỗi từ {since}: {error}. Thư không bị mất: thư chờ và được gửi lại "
        "tự động khi máy chủ hoạt động trở lại.",
        "The mail server has been failing since {since}: {error}. No mail is lost: it "
        "waits and is sent by itself once the server works again.",
    ),
    "outbox_status_pending": ("Chờ gửi", "Pending"),
    "outbox_status_sent": ("Đã gửi", "Sent"),
    "outbox_status_failed": ("Lỗi", "Failed"),
    "outbox_status_suppressed": ("Địa chỉ bị chặn", "Suppressed"),
    "outbox_status_skipped": ("Bỏ qua", "Skipped"),
    "outbox_status_held": ("Chờ thư tổng hợp", "Held for digest"),
    "outbox_status_digested": ("Đã gộp", "In a digest"),
    "outbox_status_grouping": ("Chờ gộp thành thư chung", "Waiting to be grouped"),
    "outbox_status_grouped": ("Đã gộp vào thư chung", "In a grouped mail"),
    "outbox_oldest": ("Thư chờ lâu nhất", "Oldest pending"),
    "outbox_minutes": ("{n} phút", "{n} min"),
    "outbox_search": ("Tìm theo người nhận", "Search by recipient"),
    "outbox_search_submit": ("Tìm", "Search"),
    "outbox_undelivered": ("Thư chưa gửi được", "Undelivered mail"),
    "outbox_state": ("Trạng thái", "State"),
    "outbox_error": ("Lỗi từ máy chủ", "Server's answer"),
    "outbox_retry": ("Gửi lại", "Send again"),
    "outbox_retry_all": ("Gửi lại mọi thư lỗi", "Send every failed mail again"),
    "outbox_suppressions": ("Danh sách chặn", "Suppression list"),
    "outbox_unsuppress": ("Bỏ chặn", "Remove"),
    "outbox_none": ("Không có.", "None."),
    "outbox_done_requeued": ("Đã đưa {what} thư vào hàng chờ gửi.", "{what} mail(s) queued again."),
    "outbox_done_unsuppressed": ("Đã bỏ chặn {what}.", "{what} removed from the list."),
    "outbox_nothing_chosen": ("Chưa chọn thư nào để gửi lại.", "No mail was chosen."),
    "outbox_not_suppressed": (
        "Địa chỉ này không có trong danh sách chặn.",
        "That address is not on the list.",
    ),
    "nav_outbox": ("Hộp thư đi", "Outbox"),
    "evidence": ("Sản phẩm đã gửi", "Evidence"),
    "comment_label": (
        "Ý kiến (bắt buộc với thao tác có dấu *)",
        "Comment (required for actions marked *)",
    ),
    "system": ("Hệ thống", "System"),
    "event_assign": ("Giao việc", "Assigned"),
    "event_add_evidence": ("Gửi sản phẩm", "Evidence added"),
    "event_calendar_recomputed": ("Tính lại hạn theo lịch làm việc", "Deadline recomputed"),
    "event_extension_requested": ("Đề nghị gia hạn", "Extension requested"),
    "event_extension_approved": ("Đồng ý gia hạn", "Extension approved"),
    "event_extension_refused": ("Không đồng ý gia hạn", "Extension refused"),
    "thread": ("Trao đổi và diễn biến", "Conversation and history"),
    "thread_label": (
        "Ý kiến, ghi chú tiến độ hoặc lý do (bắt buộc với thao tác có dấu *)",
        "Comment, progress note or reason (required for actions marked *)",
    ),
    "progress": ("Tiến độ", "Progress"),
    "progress_pct_label": ("Tiến độ (%)", "Progress (%)"),
    "progress_submit": ("Báo cáo tiến độ", "Report progress"),
    "event_progress": ("Báo cáo tiến độ", "Progress reported"),
    "event_comment": ("Ý kiến", "Comment"),
    "error_progress_range": (
        "Tiến độ là một số phần trăm từ 0 đến 100.",
        "Progress is a percentage from 0 to 100.",
    ),
    "reassign_to": ("Giao lại cho (với nút Giao lại)", "Reassign to (for the Reassign button)"),
    "reassign_choose": ("— chọn người trong đơn vị —", "— choose someone in the unit —"),
    "reassign_none": (
        "Đơn vị chủ trì không còn ai khác để giao lại.",
        "Nobody else in the lead unit to reassign to.",
    ),
    # States and actions: from the one state table (workflow.states).
    **{f"state_{s.value}": pair for s, pair in STATE_LABELS.items()},
    **{f"action_{a.value}": pair for a, pair in ACTION_LABELS.items()},
    # the item page: units involved, plan task, evidence, extensions, comments
    "priority": ("Độ ưu tiên", "Priority"),
    "supporting_units": ("Đơn vị phối hợp", "Supporting units"),
    "informed_units": ("Đơn vị nhận để biết", "Units informed"),
    "original_due": ("Hạn ban đầu", "Original due date"),
    "plan_task": ("Nhiệm vụ trong kế hoạch", "Plan task"),
    "plan_due_text": ("Thời hạn theo kế hoạch", "Deadline in the plan"),
    "plan_lead_group": ("Giao chung", "Shared task"),
    "plan_lead_group_share": (
        "{group} chủ trì: mỗi đơn vị thực hiện, báo cáo phần việc của mình",
        "{group} lead it: each unit does and reports its own share",
    ),
    "no_evidence": ("Chưa có sản phẩm nào.", "No evidence yet."),
    "evidence_add": ("Gửi sản phẩm, minh chứng", "Attach evidence"),
    "evidence_note": ("Ghi chú", "Note"),
    "evidence_file": (
        "Tệp đính kèm (không bắt buộc; tối đa {mb} MB: PDF, Word, Excel, ảnh, ZIP)",
        "File (optional; up to {mb} MB: PDF, Word, Excel, image, ZIP)",
    ),
    "evidence_submit": ("Gửi sản phẩm", "Attach"),
    "download": ("Tải về", "Download"),
    "extensions": ("Gia hạn", "Extensions"),
    "no_extensions": ("Chưa có đề nghị gia hạn nào.", "No extension requests."),
    "extension_request": ("Đề nghị gia hạn", "Request an extension"),
    "extension_new_due": ("Hạn mới đề nghị", "Requested due date"),
    "extension_reason": ("Lý do", "Reason"),
    "extension_submit": ("Gửi đề nghị gia hạn", "Send the request"),
    "extension_requested_at": ("Ngày đề nghị", "Requested on"),
    "extension_requested_by": ("Người đề nghị", "Requested by"),
    "extension_status": ("Kết quả", "Status"),
    "extension_decided_by": ("Người quyết định", "Decided by"),
    "extension_pending": ("Chờ quyết định", "Pending"),
    "extension_approved": ("Đồng ý", "Approved"),
    "extension_refused": ("Không đồng ý", "Refused"),
    "decision_note": ("Ý kiến (không bắt buộc)", "Note (optional)"),
    "decision_approve": ("Đồng ý gia hạn", "Approve"),
    "decision_refuse": ("Không đồng ý", "Refuse"),
    "comments": ("Ý kiến trao đổi", "Comments"),
    "no_comments": ("Chưa có ý kiến nào.", "No comments yet."),
    "comment_body": ("Ý kiến của bạn", "Your comment"),
    "comment_submit": ("Gửi ý kiến", "Post"),
    "error_evidence_empty": (
        "Cần nhập ghi chú hoặc chọn tệp đính kèm.",
        "Write a note or choose a file.",
    ),
    "error_file_too_large": (
        "Tệp quá lớn: tối đa {mb} MB.",
        "The file is too large: {mb} MB at most.",
    ),
    "error_file_type": (
        "Loại tệp này không được chấp nhận (chấp nhận PDF, Word, Excel, ảnh PNG/JPEG,"
        " văn bản thuần, ZIP).",
        "This type of file is not accepted (PDF, Word, Excel, PNG/JPEG images, plain text"
        " and ZIP are).",
    ),
    "error_item_closed": ("Công việc đã kết thúc.", "The work item is closed."),
    "error_date": (
        "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 31/05/2026.",
        "That is not a valid date: type it as day/month/year, e.g. 31/05/2026.",
    ),
    "error_extension_no_reason": (
        "Cần ghi lý do đề nghị gia hạn.",
        "An extension request needs a reason.",
    ),
    "error_extension_not_later": (
        "Hạn mới đề nghị phải sau hạn xử lý hiện tại.",
        "The requested due date must be later than the current one.",
    ),
    "error_extension_pending": (
        "Đã có một đề nghị gia hạn đang chờ quyết định.",
        "An extension request is already waiting for a decision.",
    ),
    "error_extension_decided": (
        "Đề nghị gia hạn này đã được quyết định.",
        "This extension request has already been decided.",
    ),
    "error_decision": (
        "Chọn Đồng ý hoặc Không đồng ý.",
        "Choose Approve or Refuse.",
    ),
    "error_note_too_long": (
        "Ghi chú dài quá 5.000 ký tự.",
        "The note is longer than 5,000 characters.",
    ),
    "error_comment_empty": ("Ý kiến không được để trống.", "A comment needs some text."),
    # the report pages (api/pages/reports.py); the report's own words are wording.py's
    "reports": ("Báo cáo", "Reports"),
    "reports_title": ("Báo cáo định kỳ", "Periodic reports"),
    "reports_not_allowed": (
        "Báo cáo định kỳ dành cho Ban Giám đốc, trưởng các đơn vị và bộ phận điều phối.",
        "Periodic reports are for the directors, the heads of units and the coordinator.",
    ),
    "report_kind": ("Loại báo cáo", "Kind"),
    "report_kind_all": ("Tất cả", "All"),
    "report_kind_weekly": ("Bản tin tuần", "Weekly digest"),
    "report_kind_quarterly": ("Báo cáo quý", "Quarterly report"),
    "report_kind_six_month": ("Báo cáo 6 tháng", "Six-month report"),
    "report_kind_annual": ("Báo cáo năm", "Annual report"),
    "report_kind_custom": ("Báo cáo theo yêu cầu", "On-demand report"),
    "report_period": ("Kỳ báo cáo", "Period"),
    "report_built_at": ("Lập lúc", "Built"),
    "report_sent_at": ("Gửi lúc", "Sent"),
    "report_not_sent": ("Chưa gửi", "Not sent yet"),
    "no_reports": ("Chưa có báo cáo nào.", "No reports yet."),
    "report_back": ("← Danh sách báo cáo", "← All reports"),
    "report_charts": ("Biểu đồ", "Charts"),
    "report_charts_note": (
        "",
        "The charts are labelled in Vietnamese, as in the official report.",
    ),
    "report_build_title": ("Lập báo cáo ngay", "Build a report now"),
    "report_build_intro": (
        "Kỳ báo cáo dưới đây đã kết thúc nhưng chưa có báo cáo. Báo cáo được lập từ số liệu"
        " hiện có và lưu cố định; đến lịch gửi, hệ thống gửi đúng báo cáo này, không tính lại.",
        "These periods have ended and have no report yet. A report is built from the data"
        " as it stands and stored unchanged; at its send time the system mails this very"
        " report without recomputing it.",
    ),
    "report_build_button": ("Lập báo cáo", "Build"),
    "report_build_error": (
        "Không lập được báo cáo: kỳ báo cáo chưa kết thúc hoặc không hợp lệ.",
        "The report could not be built: the period has not ended or is not valid.",
    ),
    # indicators: the plan page's section and /ui/indicators/{id} (api/pages/indicators.py);
    # the assessments are the report's words (workflow.reporting.wording)
    "ind_jump": ("Chỉ tiêu của lĩnh vực ({n}) ↓", "This area's indicators ({n}) ↓"),
    "ind_section_note": (
        "Đánh giá như báo cáo định kỳ: số liệu mới nhất đến hôm nay so với mục tiêu của năm"
        " mốc tiếp theo (hoặc năm mốc cuối cùng khi các năm mốc đã qua).",
        "Assessed as the periodic reports do: the latest reading up to today against the"
        " target of the next milestone year (or the last one once all have passed).",
    ),
    "ind_page_title": ("Chỉ tiêu", "Indicator"),
    "ind_name": ("Chỉ tiêu", "Indicator"),
    "ind_unit": ("Đơn vị tính", "Unit of measure"),
    "ind_unit_rank": ("Thứ hạng", "Rank"),
    "ind_targets": ("Mục tiêu theo năm", "Targets by year"),
    "ind_target": ("Mục tiêu", "Target"),
    "ind_target_text": ("Theo kế hoạch", "As the plan words it"),
    "ind_no_targets": ("Chưa có mục tiêu", "No target"),
    "ind_latest": ("Số liệu mới nhất", "Latest reading"),
    "ind_assessment": ("Đánh giá", "Assessment"),
    "ind_against": ("so với mục tiêu năm {year}: {target}", "against the {year} target: {target}"),
    "ind_objective": ("Mục tiêu", "Objective"),
    "ind_no_objective": ("Chỉ tiêu khác của lĩnh vực", "Other indicators of the area"),
    "ind_withdrawn": ("đã rút khỏi kế hoạch", "withdrawn from the plan"),
    "ind_record_link": ("Ghi số liệu", "Record a reading"),
    "ind_recorded_by": ("{name} nhập lúc {at}", "entered by {name} on {at}"),
    "ind_unknown_recorder": ("(không rõ)", "(unknown)"),
    "ind_no_reading": ("Chưa có số liệu.", "No readings yet."),
    "ind_plan_years": ("Kế hoạch giai đoạn {start}-{end}", "Plan period {start}-{end}"),
    "ind_now": ("Tình hình hiện nay", "Where it stands"),
    "ind_trend": ("Diễn biến qua các năm", "Trend over the years"),
    "ind_trend_note": (
        "Mỗi năm lấy số liệu mới nhất trong kỳ báo cáo năm (15/12 năm trước đến 14/12) và"
        " đánh giá như báo cáo năm đó.",
        "Each year takes the latest reading within its annual report period (15 December of"
        " the year before to 14 December) and is assessed as that year's report does.",
    ),
    "ind_year": ("Năm", "Year"),
    "ind_value": ("Giá trị", "Value"),
    "ind_change": ("Thay đổi", "Change"),
    "ind_readings": ("Các lần ghi số liệu", "Readings"),
    "ind_as_of": ("Số liệu tính đến ngày", "As of"),
    "ind_note": ("Ghi chú, nguồn số liệu", "Note or source"),
    "ind_who": ("Người nhập", "Entered by"),
    "ind_when": ("Thời điểm nhập", "Entered on"),
    "ind_superseded": (
        "đã được thay bằng số liệu cùng ngày nhập sau",
        "replaced by a later entry for the same date",
    ),
    "ind_record_title": ("Ghi số liệu thực hiện", "Record a reading"),
    "ind_value_hint": (
        "Một số, phần thập phân sau dấu phẩy hoặc dấu chấm (ví dụ 85 hoặc 85,5).",
        "A number, decimals after a comma or a point (e.g. 85 or 85.5).",
    ),
    "ind_same_day_hint": (
        "Ghi lại số liệu cho cùng một ngày sẽ thay số liệu đã nhập trước đó trong báo cáo;"
        " lần nhập cũ vẫn được lưu trong danh sách.",
        "A new reading for a date already recorded replaces the earlier one in the reports;"
        " the earlier entry stays in the list.",
    ),
    "ind_record_submit": ("Ghi số liệu", "Record"),
    "ind_recorded": (
        "Đã ghi số liệu {value} tính đến ngày {day}.",
        "Recorded {value} as of {day}.",
    ),
    "ind_replaced": (
        "Số liệu này thay cho số liệu cùng ngày đã nhập trước đó.",
        "It replaces the reading entered earlier for the same date.",
    ),
    "error_reading_not_allowed": (
        "Chỉ đầu mối cải cách hành chính (bộ phận điều phối) và quản trị hệ thống được ghi số"
        " liệu chỉ tiêu.",
        "Only the administrative reform coordinator and administrators record indicator readings.",
    ),
    "error_reading_date": (
        "Ngày số liệu không hợp lệ: chọn hoặc nhập ngày theo dạng ngày/tháng/năm.",
        "The as-of date is not valid: pick it or type it as day/month/year.",
    ),
    "error_reading_not_a_number": (
        "Giá trị phải là một số (ví dụ 85 hoặc 85,5), không có dấu phân cách hàng nghìn.",
        "The value must be a number (e.g. 85 or 85.5), without thousands separators.",
    ),
    "error_reading_too_large": ("Giá trị quá lớn.", "The value is too large."),
    "error_reading_note_long": (
        "Ghi chú dài quá {max} ký tự.",
        "The note is longer than {max} characters.",
    ),
    "error_reading_percent": (
        "Chỉ tiêu tính theo tỷ lệ phần trăm: giá trị phải từ 0 đến 100.",
        "This indicator is a percentage: the value must be between 0 and 100.",
    ),
    "error_reading_future": (
        "Ngày số liệu không được sau ngày hôm nay.",
        "The as-of date cannot be later than today.",
    ),
    "error_reading_outside_plan": (
        "Ngày số liệu phải thuộc các năm của kế hoạch ({start}-{end}).",
        "The as-of date must fall within the plan's years ({start}-{end}).",
    ),
    # --- notification settings (/ui/settings/notifications) and the error pages ---
    "settings_nav": ("Thông báo", "Notifications"),
    "settings_title": ("Tùy chọn nhận thông báo", "Notification settings"),
    "settings_intro": (
        "Chọn loại thư muốn nhận, gửi ngay hay gộp mỗi ngày, giờ yên lặng và ngôn ngữ.",
        "Choose which mail you receive, at once or in a daily digest, quiet hours and language.",
    ),
    "settings_kinds": ("Loại thông báo", "Kinds of mail"),
    "settings_always": ("luôn gửi", "always sent"),
    "settings_mode": ("Cách gửi", "Delivery"),
    "settings_grouped": ("Gửi ngay, gộp theo đợt", "At once, grouped"),
    "settings_grouped_help": (
        "Gộp theo đợt: một thư cho mỗi lần giao việc hàng loạt (ban hành kế hoạch, giao lại"
        " nhiều việc) và một thư buổi sáng liệt kê mọi việc sắp đến hạn, đến hạn, quá hạn.",
        "Grouped: one mail per bulk action (issuing a plan, reassigning many items) and one"
        " morning mail listing everything due soon, due today or overdue.",
    ),
    "settings_immediate": ("Gửi ngay, một thư cho mỗi sự kiện", "At once, one mail per event"),
    "settings_digest": ("Gộp thành một thư tổng hợp mỗi ngày, lúc", "One daily digest, at"),
    "settings_digest_help": (
        "Đôn đốc và cảnh báo quá hạn gửi lãnh đạo vẫn được gửi ngay.",
        "Chasers and overdue alerts to managers are still sent at once.",
    ),
    "settings_quiet": ("Giờ yên lặng (không gửi thư)", "Quiet hours (no mail)"),
    "settings_quiet_from": ("Từ", "From"),
    "settings_quiet_to": ("đến", "to"),
    "settings_quiet_none": ("Không đặt", "None"),
    "settings_quiet_help": (
        "Thư đến trong giờ yên lặng được gửi khi hết giờ.",
        "Mail due in quiet hours is sent when they end.",
    ),
    "settings_language": ("Ngôn ngữ của trang và thư", "Language of pages and mail"),
    "settings_save": ("Lưu", "Save"),
    "settings_saved": ("Đã lưu tùy chọn nhận thông báo.", "Your notification settings are saved."),
    "settings_stopped": ("Đã ngừng nhận:", "No longer sent:"),
    "settings_all": ("Mọi tùy chọn nhận thông báo", "All notification settings"),
    "error_settings": (
        "Tùy chọn chưa hợp lệ (giờ phải từ 0 đến 23). Chưa lưu gì.",
        "These settings are not valid (hours run from 0 to 23). Nothing was saved.",
    ),
    "not_found_text": (
        "Không tìm thấy trang này, hoặc bạn không có quyền xem.",
        "This page does not exist, or you may not see it.",
    ),
    "go_home": ("Về trang chính", "Go to your home page"),
    "error_server": (
        "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau.",
        "Something went wrong on our side. Please try again later.",
    ),
    # --- phone layout and dates (base.html, workflow/dates.py) ---
    "dash_no_items": ("chưa có việc", "no items"),
    "more_actions": ("Các thao tác khác", "More actions"),
    "date_placeholder": ("dd/mm/yyyy", "dd/mm/yyyy"),
    "date_pick": ("Chọn ngày", "Pick a date"),
    "date_prev_month": ("Tháng trước", "Previous month"),
    "date_next_month": ("Tháng sau", "Next month"),
    "date_day_off": ("ngày nghỉ", "day off"),
    "date_hint_bad": (
        "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 31/05/2026.",
        "Type the date as day/month/year, e.g. 31/05/2026.",
    ),
    "date_hint_moves": (
        "{day} là ngày nghỉ → hạn là {becomes}",
        "{day} is a day off → due {becomes}",
    ),
    "date_hint_working": ("{day} là ngày làm việc", "{day} is a working day"),
    "date_hint_past": ("{day} đã qua.", "{day} is in the past."),
    "date_confirm_past": (
        "Tôi xác nhận hạn xử lý là một ngày đã qua",
        "I confirm the due date is in the past",
    ),
    "assign_error_due_past": (
        "Hạn xử lý là một ngày đã qua: chọn ngày khác hoặc đánh dấu ô xác nhận.",
        "The due date is in the past: choose another day or tick the confirmation box.",
    ),
    "error_extension_past": (
        "Hạn đề nghị gia hạn phải từ hôm nay trở đi.",
        "The requested due date must be today or later.",
    ),
    # --- the names plans use for units (/ui/units) ---
    "nav_names": ("Tên đơn vị", "Unit names"),
    "names_title": ("Đơn vị, nhóm đơn vị và tên gọi khác", "Units, unit groups and aliases"),
    "names_intro": (
        "Khi nhập kế hoạch, tên ở cột Đơn vị chủ trì và Đơn vị phối hợp được đối chiếu (không"
        " phân biệt hoa thường, có dấu hay không dấu) với mã, tên đơn vị, tên gọi khác và"
        " nhóm đơn vị dưới đây. Tên không đối chiếu được thì kế hoạch không được nhập: hãy"
        " thêm tên đó làm tên gọi khác của một đơn vị hoặc nhóm, lần nhập sau sẽ nhận ra.",
        "When a plan is imported, the names in its Lead unit and Supporting units columns are"
        " matched (ignoring case and diacritics) against the unit codes and names, aliases"
        " and unit groups below. A name that matches none stops the import: add it as an"
        " alias of a unit or group and the next import resolves it.",
    ),
    "names_try": ("Thử một tên", "Try a name"),
    "names_try_label": ("Tên như kế hoạch ghi", "The name as the plan writes it"),
    "names_try_submit": ("Đối chiếu", "Resolve"),
    "names_try_resolved": ("«{name}» là {what}:", "“{name}” is {what}:"),
    "names_try_unknown": (
        "«{name}» không khớp đơn vị hay nhóm nào.",
        "“{name}” matches no unit or group.",
    ),
    "names_try_vague": (
        "«{name}» quá chung chung, không thể đoán là những đơn vị nào: hãy gán nó cho một"
        " đơn vị hoặc nhóm.",
        "“{name}” is too vague to guess which units: map it to a unit or group.",
    ),
    "names_try_empty": (
        "«{name}» là một nhóm hiện không có đơn vị nào.",
        "“{name}” is a group without any unit today.",
    ),
    "names_nearest": ("Tên gần nhất", "Nearest names"),
    "names_aliases": ("Tên gọi khác", "Aliases"),
    "names_alias": ("Tên gọi khác", "Alias"),
    "names_target": ("Là đơn vị / nhóm", "Names unit / group"),
    "names_source": ("Nguồn", "Source"),
    "names_source_org": ("Tệp tổ chức", "Organisation file"),
    "names_source_mapped": ("Đã gán khi nhập", "Mapped at import"),
    "names_remove": ("Xóa", "Remove"),
    "names_no_alias": ("Chưa có tên gọi khác.", "No alias yet."),
    "names_add_alias": ("Thêm tên gọi khác", "Add an alias"),
    "names_alias_name": ("Tên gọi khác", "Alias"),
    "names_alias_hint": (
        "Một tên đã có sẽ được gán lại cho đơn vị hoặc nhóm mới chọn.",
        "An alias that exists already is pointed at the unit or group chosen.",
    ),
    "names_groups": ("Nhóm đơn vị", "Unit groups"),
    "names_group": ("Nhóm", "Group"),
    "names_code": ("Mã", "Code"),
    "names_members": ("Các đơn vị hiện nay", "Units today"),
    "names_builtin": ("có sẵn", "built in"),
    "names_no_member": ("(không có đơn vị nào)", "(no unit)"),
    "names_add_group": ("Thêm nhóm đơn vị", "Add a unit group"),
    "names_group_name": ("Tên nhóm", "Group name"),
    "names_group_units": (
        "Các đơn vị trong nhóm (hoặc chọn loại đơn vị bên dưới)",
        "Units of the group (or choose kinds of unit below)",
    ),
    "names_group_kinds": ("Hoặc: mọi đơn vị thuộc loại", "Or: every unit of the kinds"),
    "names_units": ("Đơn vị", "Units"),
    "names_unit": ("Tên đơn vị", "Unit"),
    "names_kind": ("Loại", "Kind"),
    "names_alias_added": ("Đã lưu tên gọi khác «{name}».", "Alias “{name}” saved."),
    "names_alias_removed": ("Đã xóa tên gọi khác «{name}».", "Alias “{name}” removed."),
    "names_group_added": ("Đã thêm nhóm «{name}».", "Group “{name}” added."),
    "names_group_removed": ("Đã xóa nhóm «{name}».", "Group “{name}” removed."),
    "names_error_alias_name": (
        "Tên gọi khác phải có từ 1 đến 255 ký tự.",
        "An alias needs 1 to 255 characters.",
    ),
    "names_error_alias_target": (
        "Hãy chọn một đơn vị hoặc nhóm có trong danh sách.",
        "Choose a unit or group from the list.",
    ),
    "names_error_alias_taken": (
        "Tên này đã là mã hoặc tên của một đơn vị hay nhóm; không cần tên gọi khác.",
        "That name already is a unit's or group's own code or name; it needs no alias.",
    ),
    "names_error_alias_unknown": ("Không có tên gọi khác này.", "There is no such alias."),
    "names_error_group_code": (
        "Mã nhóm đã được dùng hoặc không hợp lệ (1-40 chữ cái không dấu, chữ số, _ - .).",
        "The group code is taken or not valid (1-40 plain letters, digits, _ - .).",
    ),
    "names_error_group_name": (
        "Tên nhóm trống, quá dài hoặc đã là tên của một đơn vị hay nhóm khác.",
        "The group name is empty, too long, or another unit's or group's name.",
    ),
    "names_error_group_members": (
        "Hãy chọn các đơn vị của nhóm, hoặc các loại đơn vị, nhưng không chọn cả hai.",
        "Choose the group's units, or kinds of unit, but not both.",
    ),
    "names_error_group_unknown": ("Không có nhóm này.", "There is no such group."),
    "kind_board": ("Ban Giám đốc", "Board of directors"),
    "kind_office": ("Văn phòng", "Office"),
    "kind_inspectorate": ("Thanh tra", "Inspectorate"),
    "kind_division": ("Phòng chuyên môn, nghiệp vụ", "Division"),
    "kind_subdepartment": ("Chi cục, ban thuộc Sở", "Sub-department"),
    "kind_public_service": ("Đơn vị sự nghiệp", "Public-service unit"),
    # --- issuing a plan (/ui/plans/{id}/issue) ---
    "issue_link": ("Ban hành thành công việc", "Issue as work"),
    "issue_title": ("Ban hành kế hoạch thành công việc", "Issue the plan as work"),
    "issue_intro": (
        "Mỗi nhiệm vụ có đơn vị chủ trì được giao cho trưởng đơn vị, với thời hạn đọc từ cột"
        " thời gian hoàn thành của kế hoạch (năm {year}). Nhiệm vụ không ghi thời hạn: hạn là"
        " ngày 31/12/{year}. Ban hành lại không tạo trùng; sau khi nhập kế hoạch sửa đổi, thời"
        " hạn thay đổi được điều chỉnh và việc của nhiệm vụ bị rút được đề xuất hủy. Việc đã"
        " hoàn thành không bao giờ bị thay đổi.",
        "Each task with a lead unit goes to that unit's head, due as the plan's deadline"
        " column says (year {year}). A task without a deadline is due on 31/12/{year}. Issuing"
        " again creates nothing twice; after an amended plan is imported, changed deadlines"
        " move and the work of withdrawn tasks is proposed for cancelling. Done work is never"
        " changed.",
    ),
    "issue_filter": ("Lọc", "Filter"),
    "issue_all_areas": ("Tất cả lĩnh vực", "All areas"),
    "issue_all_units": ("Tất cả đơn vị", "All units"),
    "issue_all_actions": ("Tất cả thao tác", "All actions"),
    "issue_area": ("Lĩnh vực", "Area"),
    "issue_task": ("Nhiệm vụ", "Task"),
    "issue_assignee": ("Người nhận (trưởng đơn vị)", "Assignee (unit head)"),
    "issue_supporting": ("Đơn vị phối hợp", "Supporting units"),
    "issue_due": ("Thời hạn", "Due"),
    "issue_deliverable": ("Sản phẩm", "Deliverable"),
    "issue_action": ("Thao tác", "Action"),
    "issue_skip": ("Bỏ qua", "Skip"),
    "issue_confirm_cancel": ("Xác nhận hủy", "Confirm cancelling"),
    "issue_day_off": ("ngày nghỉ, hạn là {day}", "a day off: due {day}"),
    "issue_year_end": ("không ghi thời hạn: cuối năm", "no deadline given: year end"),
    "issue_every": ("định kỳ", "recurring"),
    "issue_ongoing": ("thường xuyên, báo cáo tiến độ định kỳ", "ongoing, periodic progress report"),
    "issue_current_due": ("hạn hiện tại {day}", "due now {day}"),
    "issue_no_head": ("đơn vị chưa có trưởng đơn vị", "the unit has no head"),
    "issue_shown": (
        "{shown}/{total} dòng đang hiển thị ({tasks} nhiệm vụ; nhiệm vụ giao chung cho nhiều"
        " đơn vị có một dòng cho mỗi đơn vị). Nút dưới đây chỉ ban hành các dòng đang hiển thị.",
        "{shown} of {total} rows shown ({tasks} tasks; a task led by several units has a row"
        " per unit). The button issues only the rows shown.",
    ),
    "issue_same_task": ("cùng nhiệm vụ trên", "the same task as above"),
    "issue_share": ("{group}: đơn vị {n}/{total}", "{group}: unit {n} of {total}"),
    "issue_units_of_task": ("Các đơn vị của nhiệm vụ", "The task's units"),
    "issue_submit": ("Xác nhận ban hành", "Confirm and issue"),
    "issue_done": (
        "Đã ban hành: tạo {create} việc, điều chỉnh hạn {move} việc, hủy {cancel} việc;"
        " đề xuất hủy {propose} việc; {skipped} dòng chưa ban hành.",
        "Issued: {create} created, {move} due dates moved, {cancel} cancelled;"
        " {propose} proposed for cancelling; {skipped} rows not issued.",
    ),
    "issue_to_plan": ("Xem kế hoạch và tiến độ", "See the plan and its progress"),
    "issue_nothing": ("Không có nhiệm vụ nào phù hợp.", "No task matches."),
    "issue_error_due": ("Có thời hạn không đúng định dạng ngày.", "A due date is not a date."),
    "issue_error_due_past": ("Thời hạn đã qua.", "A due date is already past."),
    "issue_error_assignee": (
        "Người nhận phải là cán bộ của đơn vị chủ trì.",
        "The assignee must belong to the lead unit.",
    ),
    "issue_error_generic": (
        "Không ban hành được. Vui lòng kiểm tra lại.",
        "The plan could not be issued. Please check the rows.",
    ),
    # --- the plan import page ---
    "import_title": ("Nhập kế hoạch", "Import a plan"),
    "import_link": ("Nhập kế hoạch từ tệp", "Import a plan from a file"),
    "import_intro": (
        "Chọn tệp kế hoạch đã ký (Word .docx, PDF có lớp chữ, hoặc văn bản). Hệ thống đọc và"
        " hiển thị trước các nhiệm vụ, đơn vị và thời hạn; chưa ghi gì cho đến khi bạn xác nhận.",
        "Choose the signed plan (Word .docx, a PDF with a text layer, or text). Its tasks, units"
        " and deadlines are shown first; nothing is saved until you confirm.",
    ),
    "import_file": ("Tệp kế hoạch", "Plan file"),
    "import_preview": ("Đọc và xem trước", "Read and preview"),
    "import_number": ("Số", "No."),
    "import_years": ("năm {start}–{end}", "years {start}–{end}"),
    "import_unresolved": (
        "{n} tên đơn vị chưa xác định được. Kế hoạch chưa thể nhập: hãy gán các tên này cho"
        " đơn vị hoặc nhóm đơn vị, rồi đọc lại tệp.",
        "{n} unit names are not known. The plan cannot be imported yet: map these names to a"
        " unit or group, then read the file again.",
    ),
    "import_nearest": ("gần nhất", "nearest"),
    "import_map_link": ("Mở trang Tên đơn vị để gán tên", "Open the unit names page to map them"),
    "import_changes": (
        "Khi nhập: thêm mới {created}, cập nhật {updated}, rút khỏi kế hoạch {withdrawn},"
        " giữ nguyên {unchanged} mục.",
        "Importing will create {created}, update {updated}, withdraw {withdrawn} and leave"
        " {unchanged} entries unchanged.",
    ),
    "import_warnings": ("{n} thời hạn cần xem lại", "{n} deadlines to check"),
    "import_due_unread": (
        "không đọc được: nhập hạn khi ban hành",
        "not understood: enter it when issuing",
    ),
    "import_due_check": ("cần xem lại thời hạn", "check this deadline"),
    "import_task_no": ("Nhiệm vụ {n}", "Task {n}"),
    "import_submit": ("Nhập kế hoạch", "Import the plan"),
    "import_then_issue": (
        "Sau khi nhập, trang Ban hành hiển thị việc sẽ giao cho từng đơn vị để bạn xác nhận.",
        "After the import, the issue page shows the work each unit will get, to confirm.",
    ),
    "import_then_plan": ("Sau khi nhập, trang kế hoạch mở ra.", "The plan's page opens next."),
    "import_imported": (
        "Đã nhập kế hoạch. Kiểm tra các dòng dưới đây rồi xác nhận ban hành.",
        "The plan is imported. Check the rows below, then confirm to issue it.",
    ),
    "import_error_no_file": ("Hãy chọn tệp kế hoạch.", "Choose a plan file."),
    "import_error_type": (
        "Chỉ nhận tệp .docx, .pdf, .md hoặc .txt.",
        "Only .docx, .pdf, .md or .txt files are accepted.",
    ),
    "import_error_read": ("Không đọc được tệp kế hoạch.", "The plan file could not be read."),
    "import_error_expired": (
        "Tệp đã xem trước không còn: hãy chọn lại tệp.",
        "The previewed file is gone: choose the file again.",
    ),
    "issue_action_create": ("Tạo việc", "Create"),
    "issue_action_move_due": ("Điều chỉnh hạn", "Move due date"),
    "issue_action_propose_cancel": ("Đề xuất hủy", "Propose cancelling"),
    "issue_action_cancel": ("Hủy", "Cancel"),
    "issue_action_unchanged": ("Giữ nguyên", "Unchanged"),
    "issue_action_skipped": ("Chưa ban hành", "Not issued"),
    "issue_reason_no_lead_unit": ("chưa có đơn vị chủ trì", "no lead unit"),
    "issue_reason_no_head": ("đơn vị chưa có trưởng đơn vị", "the unit has no head"),
    "issue_reason_needs_due": (
        "không đọc được thời hạn: nhập thời hạn",
        "deadline not understood: enter a due date",
    ),
    "issue_reason_due_passed": ("thời hạn đã qua: nhập thời hạn mới", "deadline passed: enter one"),
    "issue_reason_no_occurrence": ("định kỳ không còn kỳ nào", "no occurrence left"),
    "issue_reason_skipped_by_user": ("bỏ qua lần này", "skipped this time"),
    "issue_reason_issued": ("đã ban hành", "already issued"),
    "issue_reason_assigned": ("đã giao việc trước đó", "assigned before"),
    "issue_reason_closed": ("việc đã kết thúc", "the work is closed"),
    "issue_reason_recurrence_changed": (
        "định kỳ thay đổi: sửa lịch định kỳ trực tiếp",
        "recurrence changed: edit the series by hand",
    ),
    "issue_reason_task_withdrawn": ("nhiệm vụ bị rút khỏi kế hoạch", "task withdrawn"),
    "issue_reason_not_lead": (
        "đơn vị không còn chủ trì nhiệm vụ này",
        "the unit no longer leads this task",
    ),
    # --- the plan page's tracking view ---
    "track_title": ("Tiến độ thực hiện theo lĩnh vực", "Progress by area"),
    "track_by_unit": ("Tiến độ theo đơn vị chủ trì", "Progress by lead unit"),
    "track_by_unit_note": (
        'Nhiệm vụ giao chung cho nhiều đơn vị ("Các phòng chuyên môn"...) được tính cho'
        " từng đơn vị theo phần việc của đơn vị đó.",
        'A task led by several units ("Các phòng chuyên môn"...) counts for each unit by'
        " that unit's own share.",
    ),
    "track_work": ("Công việc", "Work"),
    "track_not_issued": ("chưa giao việc", "not issued"),
    "track_progress": ("hoàn thành {done}/{total} ({pct}%)", "done {done}/{total} ({pct}%)"),
    "track_percent": ("Tỷ lệ hoàn thành", "Completion"),
    "track_all_states": ("Tất cả trạng thái", "All states"),
    "track_clear": ("Bỏ lọc", "Clear filters"),
    "track_status_not_issued": ("Chưa giao", "Not issued"),
    "track_status_open": ("Đang thực hiện", "Under way"),
    "track_status_overdue": ("Quá hạn", "Overdue"),
    "track_status_done": ("Hoàn thành", "Done"),
    "track_status_closed": ("Đã hủy", "Cancelled"),
    # --- people coming and going: the to-reassign list, absences (ủy quyền) ---
    "reassign_title": ("Công việc cần giao lại", "Work to reassign"),
    "reassign_intro": (
        "Người được giao đã nghỉ hoặc chuyển công tác. Thư nhắc việc của các việc này gửi đến"
        " bạn cho đến khi giao lại cho người khác (nút “Giao lại” trên trang công việc).",
        "The assignee left or moved. These items' reminders come to you until you reassign"
        " them (the “Reassign” button on the item's page).",
    ),
    "reassign_former": ("Người được giao trước đây", "Former assignee"),
    "reassign_item_notice": (
        "Người được giao đã nghỉ hoặc chuyển công tác: việc chờ trưởng đơn vị giao lại.",
        "The assignee left or moved: the item waits for the unit's head to reassign it.",
    ),
    "acting_for": ("Bạn đang xử lý thay {name} (ủy quyền).", "You act for {name} (delegation)."),
    "thread_acting_for": ("thay mặt {name}", "acting for {name}"),
    "event_handed_over": ("Chuyển trưởng đơn vị giao lại", "Handed to the head to reassign"),
    "nav_absences": ("Vắng mặt", "Absences"),
    "absence_title": ("Vắng mặt và ủy quyền", "Absences and delegation"),
    "absence_intro": (
        "Trong thời gian vắng mặt, người được ủy quyền nhận thư nhắc việc và được xử lý các"
        " công việc của người vắng mặt; sau đó mọi việc trở lại như cũ.",
        "During an absence the delegate receives the person's reminders and may act on their"
        " work items; afterwards everything returns to the person.",
    ),
    "absence_person": ("Người vắng mặt", "Absent person"),
    "absence_delegate": ("Người được ủy quyền", "Delegate"),
    "absence_dates": ("Thời gian", "Dates"),
    "absence_from": ("Từ ngày", "From"),
    "absence_to": ("Đến ngày", "To"),
    "absence_note": ("Ghi chú", "Note"),
    "absence_add": ("Đăng ký vắng mặt", "Record an absence"),
    "absence_submit": ("Lưu", "Save"),
    "absence_cancel": ("Kết thúc", "End it"),
    "absence_none": ("Không có lịch vắng mặt nào.", "No absence recorded."),
    "absence_done_added": ("Đã lưu lịch vắng mặt.", "The absence is recorded."),
    "absence_done_cancelled": ("Đã kết thúc ủy quyền.", "The absence has ended."),
    "absence_error_dates": (
        "Ngày không hợp lệ (dd/mm/yyyy, ngày kết thúc không trước ngày bắt đầu và chưa qua).",
        "The dates are not valid (dd/mm/yyyy, the end not before the start nor past).",
    ),
    "absence_error_delegate": (
        "Người được ủy quyền phải là người khác, đang làm việc trong cùng đơn vị.",
        "The delegate must be someone else, active, in the same unit.",
    ),
    "nav_staff": ("Nhập danh sách cán bộ", "Staff list"),
    "staff_title": ("Nhập danh sách cán bộ", "Import the staff list"),
    "staff_intro": (
        "Tải lên danh sách cán bộ của phòng tổ chức (XLSX, CSV hoặc YAML) với các cột Họ và"
        " tên, Chức vụ, Đơn vị, Email (Tên đăng nhập, Vai trò nếu có). Danh sách là toàn bộ"
        " cán bộ: người không có tên sẽ bị ngừng kích hoạt (trừ tài khoản quản trị); việc"
        " đang làm của người chuyển đi hoặc nghỉ được chuyển trưởng đơn vị giao lại. Xem"
        " trước thay đổi rồi xác nhận một lần.",
        "Upload the personnel office's staff list (XLSX, CSV or YAML) with the columns Họ và"
        " tên, Chức vụ, Đơn vị, Email (Tên đăng nhập, Vai trò if any). The list is everybody:"
        " people it does not name are deactivated (not administrators); the open work of"
        " those who move or leave goes to their head to reassign. Preview, then confirm once.",
    ),
    "staff_upload": ("Tải lên danh sách", "Upload a list"),
    "staff_file": ("Tệp danh sách", "List file"),
    "staff_preview": ("Xem trước thay đổi", "Preview the changes"),
    "staff_summary": (
        "thêm {added}, thay đổi {changed}, chuyển đơn vị {moved}, ngừng kích hoạt"
        " {deactivated}, giữ nguyên {unchanged}",
        "{added} added, {changed} changed, {moved} moved, {deactivated} deactivated,"
        " {unchanged} unchanged",
    ),
    "staff_added": ("Thêm mới", "Added"),
    "staff_changed": ("Thay đổi", "Changed"),
    "staff_moved": ("Chuyển đơn vị", "Moved"),
    "staff_deactivated": ("Ngừng kích hoạt", "Deactivated"),
    "staff_person": ("Cán bộ", "Person"),
    "staff_what": ("Thay đổi", "Change"),
    "staff_confirm": ("Xác nhận nhập danh sách", "Confirm the import"),
    "staff_nothing": (
        "Danh sách khớp với dữ liệu hiện có: không có gì thay đổi.",
        "The list matches: nothing to change.",
    ),
    "staff_done": (
        "Đã nhập: thêm {added}, thay đổi {changed}, chuyển đơn vị {moved}, ngừng kích hoạt"
        " {deactivated}.",
        "Imported: {added} added, {changed} changed, {moved} moved, {deactivated} deactivated.",
    ),
    "staff_handed_over": (
        "{n} việc đang làm chuyển trưởng đơn vị giao lại.",
        "{n} open items handed to their heads to reassign.",
    ),
    "absence_error_overlap": (
        "Người này đã có lịch vắng mặt trùng thời gian.",
        "This person already has an absence at that time.",
    ),
}


def language(request: Request, user: User | None = None) -> str:
    """The switch's choice (cookie), else the signed-in user's profile language, else, on a
    first visit, the browser's Accept-Language (Vietnamese unless English is preferred).

    A signed-in user's profile wins over the browser: agency PCs often run English browsers
    for people who read Vietnamese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("vi", "en"):
        return chosen
    if user is not None:
        return "en" if user.language == "en" else "vi"
    return "en" if prefers_english(request.headers.get("accept-language")) else "vi"


def translator(lang: str) -> dict[str, str]:
    """The catalogue for `lang` as a plain mapping (templates use t.key or t[key])."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in STRINGS.items()}
