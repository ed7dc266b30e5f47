# chiso — Vietnamese catalogue (the default language of every page).
# Keys are grouped per page; the English file has exactly the same keys
# (a test checks). Arguments: { $name }. See docs/languages.md.

## Shared words

common-unit = Đơn vị
common-indicator = Chỉ số
common-no-data = Không có số liệu
common-download-csv = Tải CSV
common-show = Xem
common-month = Tháng
common-from-month = Từ tháng
common-to-month = đến tháng
common-result = Kết quả
common-field = Trường

## Layout and navigation

nav-brand = Chỉ số chính phủ số
nav-ranking = Xếp hạng
nav-quality = Chất lượng dữ liệu
nav-dashboards = Bảng theo dõi
nav-schema = Lược đồ dữ liệu
nav-upload = Nộp số liệu

## Error pages

error-title = Lỗi
error-heading = Không hiển thị được trang
error-data-unreadable = Không đọc được số liệu; xem nhật ký máy chủ.
error-login-needed = Cần đăng nhập.
error-forbidden = Tài khoản của bạn không được xem trang này.
error-csv = Không tạo được CSV.

## Periods, dates and names

period-month = Tháng { $padded }/{ $year }
period-quarter = Quý { $quarter }/{ $year }
period-year = Năm { $year }
# A month inside a sentence: "đến tháng 11/2026".
period-month-in-sentence = tháng { $padded }/{ $year }
period-year-to-date = Từ đầu năm đến { $month }
time-and-day = { $time } ngày { $day }
group-province = Tỉnh, thành phố
group-ministry-services = Bộ, ngành có cung cấp dịch vụ công
group-ministry-no-services = Bộ, ngành không cung cấp dịch vụ công
status-achieved = Đạt
status-on-track = Đúng lộ trình
status-lagging = Chậm
status-no-data = Không có số liệu
status-no-target = Chưa có chỉ tiêu
axis-percent = Tỷ lệ (%)
axis-score = Điểm
axis-count = Số lượng

## Ranking page (/xep-hang)

ranking-bad-group = '{ $text }' không phải là nhóm xếp hạng
ranking-no-such-publication = Không có bản công bố này của kỳ.
ranking-no-such-group = Không có nhóm này trong kỳ.
ranking-title = Xếp hạng { $period }
ranking-heading = Xếp hạng { $group } · { $period }
ranking-missing-last = Đơn vị không có số liệu được xếp cuối, không xếp hạng và không tính là 0.
ranking-report-hint = Dành cho cán bộ của Bộ
ranking-monthly-report = Báo cáo tháng
ranking-rank = Hạng
ranking-change = Thay đổi
ranking-score = Điểm tổng hợp
ranking-indicators-with-data = { $scored } / { $expected } chỉ số có số liệu
ranking-cell-title = { $status }: chỉ tiêu { $target }, chênh lệch { $gap }, { $with_data }/{ $expected } tháng có số liệu
ranking-period = Kỳ:
national-summary = Toàn quốc: tỷ lệ chung (tổng tử số ÷ tổng mẫu số) và trung bình tỷ lệ của các đơn vị
national-pooled = Tỷ lệ chung
national-mean-of-units = Trung bình đơn vị
national-units-with-data = Đơn vị có số liệu
national-reports-with-data = Báo cáo có số liệu

## Publishing (ranking page)

publish-reason-missing = Cần ghi lý do công bố hoặc điều chỉnh (trường 'reason').
publish-reason-too-long = Lý do dài quá { $max } ký tự (trường 'reason').
publish-by-command-line = dòng lệnh
publish-provisional = Kết quả tạm tính từ số liệu hiện có (tính lúc { $when }); có thể thay đổi khi đơn vị gửi thêm số liệu.
publish-published = Kết quả đã công bố, chốt số liệu lúc { $when }.
publish-superseded = Đây là bản công bố trước; bản hiện hành được điều chỉnh ngày { $day }.
publish-see-current = Xem bản hiện hành
publish-revised = Kết quả đã điều chỉnh ngày { $day }
publish-history = Lịch sử công bố ({ $count } lần)
publish-frozen-at = Chốt số liệu lúc
publish-by = Người công bố
publish-reason = Lý do
publish-first = Công bố
publish-revision = Điều chỉnh
publish-see-this = Xem bản này
publish-revise-legend = Điều chỉnh kết quả đã công bố
publish-revise-button = Điều chỉnh
publish-legend = Công bố (chốt số liệu) kỳ này
publish-button = Công bố
publish-reason-label = lý do:

## Unit page (/don-vi/{code})

unit-not-found = Không có đơn vị mã '{ $code }'.
unit-code = Mã { $code }
unit-active-until = hoạt động đến { $day }
unit-successors = đơn vị kế thừa:
unit-trends = Diễn biến theo tháng
unit-reporting-history = Lịch sử báo cáo
unit-recent-attempts = Các lần thu thập gần nhất
unit-card-target = Chỉ tiêu: { $target } · chênh lệch: { $gap }
unit-report = Báo cáo
unit-received-at = Nhận lúc
unit-no-attempts = Chưa có lần thu thập nào.
unit-attempt-at = Lúc
unit-tries = Số lần thử
arrival-on-time = Đúng hạn
arrival-late = Muộn
arrival-unknown = Không rõ thời điểm
arrival-missing = Chưa báo cáo

## Charts

chart-target = Chỉ tiêu
chart-national-pooled = Toàn quốc (tỷ lệ chung)
chart-failed = Không vẽ được biểu đồ { $name }.
chart-out-of-range = Giá trị ngoài phạm vi vẽ được đã được bỏ qua
chart-unit-count = Số đơn vị

## Indicator page (/chi-so/{code})

indicator-not-found = Không có chỉ số '{ $code }'.
indicator-source = Nguồn: { $source } · kỳ { $period }
indicator-units-with-data = { $with_data } / { $expected } đơn vị có số liệu
indicator-spread = Phân bố · { $group }
indicator-value-percent = Giá trị (%)
indicator-chart-failed = Không vẽ được biểu đồ: { $error }
indicator-national-trend = Diễn biến toàn quốc · { $group }
indicator-latest-pooled = Tháng gần nhất: tỷ lệ chung { $value }

## Data quality page (/chat-luong)

quality-heading = Chất lượng dữ liệu · { $from } đến { $to }
quality-to-month = Đến tháng
quality-reporting-rate = Tỷ lệ báo cáo
quality-unknown-arrival-note = Tháng được thu thập lần đầu sau hạn báo cáo (thu thập bù, nhập số liệu lịch sử) không rõ thời điểm đơn vị báo cáo: không tính đúng hạn hay muộn, và không tính vào tỷ lệ đúng hạn.
quality-outliers = Biến động bất thường (cần rà soát)
quality-outliers-note = Thay đổi so với tháng trước vừa khác xa thay đổi của các đơn vị khác trong tháng (điểm z hiệu chỉnh > { $threshold }), vừa đáng kể: từ { $points } điểm và từ { $relative } giá trị tháng trước. Thay đổi lớn nhất trước. Số liệu vẫn được giữ nguyên, chỉ đánh dấu để rà soát.
quality-page-of = Trang { $page }/{ $pages } ({ $changes } thay đổi)
quality-previous = Trước
quality-next = Sau
quality-attempts = Các lần thu thập theo đơn vị và tháng
quality-rejected = Dữ liệu bị từ chối
quality-due = Phải báo cáo
quality-reported = Đã báo cáo
quality-on-time-rate = Tỷ lệ đúng hạn
quality-no-outliers = Không có biến động bất thường.
quality-previous-month = Tháng trước
quality-this-month = Tháng này
quality-z-score = Điểm z
quality-review = Rà soát
quality-note = Ghi chú
quality-save = Lưu
quality-verdict-correct = Đã kiểm tra, đúng
quality-verdict-to-correct = Cần đơn vị sửa
quality-not-collected = Chưa thu thập
quality-attempt-tally = { $attempts } lần: { $stored } lưu, { $unchanged } không đổi, { $rejected } bị từ chối, { $failed } lỗi
quality-errors = { $count } lỗi
quality-no-rejections = Không có dữ liệu bị từ chối.

## Dashboards (/bang)

dashboard-not-found = Không có bảng '{ $slug }'.
dashboard-query-failed = Không chạy được truy vấn của bảng này; xem nhật ký máy chủ.

## Data schema (/luoc-do)

schema-intro-before = Các bảng và khung nhìn của cơ sở dữ liệu
schema-intro-after = mà chuyên viên phân tích được đọc (qua POST /api/v1/sql hoặc tài khoản ClickHouse chỉ đọc).
schema-column = Cột
schema-type = Kiểu
schema-meaning = Ý nghĩa

## Audit log (/nhat-ky)

audit-bad-day = { $name } '{ $text }': cần dạng YYYY-MM-DD
audit-bad-kind = loại sự kiện '{ $kind }' không có
audit-kind-login = Đăng nhập
audit-kind-login-failed = Đăng nhập sai
audit-kind-login-throttled = Đăng nhập bị chặn tạm
audit-kind-logout = Đăng xuất
audit-kind-account-changed = Thay đổi tài khoản
audit-kind-token-changed = Thay đổi token
audit-kind-freeze = Chốt kỳ
audit-kind-import = Nhập tệp
audit-kind-sql-query = Truy vấn SQL
audit-kind-remind-run = Gửi nhắc nhở
audit-actor-system = (dòng lệnh / lịch)
audit-title = Nhật ký hệ thống
audit-kind = Loại
audit-all = Tất cả
audit-account = Tài khoản
audit-from-day = Từ ngày
audit-to-day = Đến ngày
audit-filter = Lọc
audit-latest = { $count } sự kiện mới nhất (tối đa { $max }).
audit-at-utc = Thời điểm (UTC)
audit-actor = Người thực hiện
audit-subject = Đối tượng
audit-address = Địa chỉ
audit-detail = Chi tiết
audit-sql-cost = { $rows } dòng, { $bytes } byte, { $ms } ms
audit-refused = bị từ chối

## Monthly report (/bao-cao/{month})

report-bad-month = tháng '{ $month }': { $error }
report-title = Báo cáo tiến độ chỉ số chính phủ số tháng { $month }
report-running = Báo cáo tháng { $month }
report-made-at = Lập lúc { $when }. Số liệu thiếu được ghi “{ $missing }”, không tính là 0; đơn vị không có số liệu không được xếp hạng.
report-download-xlsx = Tải bảng số liệu (.xlsx)
report-published = Số liệu đã công bố, chốt lúc { $when }
report-provisional = Số liệu tạm tính lúc { $when }, chưa chốt; có thể thay đổi
report-national-heading = Số liệu toàn quốc so với chỉ tiêu năm { $year }
report-national-note = Tỷ lệ chung: tổng tử số ÷ tổng mẫu số của các đơn vị có số liệu (mỗi hồ sơ có trọng số như nhau); trung bình đơn vị: trung bình cộng giá trị của các đơn vị (mỗi đơn vị có trọng số như nhau).
report-group = Nhóm
report-verdict = Đánh giá
report-units-achieved = Đơn vị đạt chỉ tiêu
report-not-achieved = Chưa đạt
report-all-groups = Toàn quốc (các nhóm)
report-ranking-heading = Xếp hạng nhóm { $group }
report-unranked = { $count } đơn vị không có số liệu: xếp cuối bảng, không xếp hạng, không tính là 0.
report-lagging-heading = Đơn vị chưa đạt chỉ tiêu hoặc được cảnh báo
report-lagging-note = Đơn vị đã báo cáo nhưng có chỉ số chưa đạt chỉ tiêu năm và chưa đạt lộ trình của tháng, và đơn vị nhận thư cảnh báo chậm tiến độ (chưa đạt cả chỉ tiêu lẫn lộ trình của đơn vị, thuộc nhóm cuối bảng xếp hạng, hoặc điểm tổng hợp giảm đáng kể so với tháng trước), với lý do.
report-alerted = Cảnh báo chậm tiến độ
report-no-lagging = Không có đơn vị chưa đạt chỉ tiêu.
report-indicators-behind = Chỉ số chưa đạt
report-not-reported-heading = Đơn vị chưa gửi báo cáo
report-all-reported = Tất cả đơn vị đã gửi báo cáo.
report-code = Mã
report-on-time-note = Tỷ lệ đúng hạn tính trên các báo cáo biết rõ thời điểm nhận; báo cáo thu thập bù hoặc nhập số liệu lịch sử không tính.
report-no-rejections = Không có dữ liệu bị từ chối trong tháng.
report-times = Số lần
report-last-reason = Lý do lần cuối
report-field-reason = trường '{ $field }': { $reason }
report-outliers-heading = Biến động bất thường cần rà soát
report-no-outliers = Không có biến động bất thường so với tháng trước.
report-outliers-note = Số liệu vẫn giữ nguyên như đơn vị gửi; chỉ đánh dấu để rà soát.
report-chart-failed = Không vẽ được biểu đồ.
report-no-scores = Không có đơn vị nào có điểm để vẽ biểu đồ.
report-score-chart = Điểm tổng hợp · { $group }
report-nationwide = Toàn quốc
report-target-chart = Toàn quốc so với chỉ tiêu (%) · { $group }

## Upload problems (/nop-so-lieu; issue 14): what the validator found

upload-problem-unit-mismatch = '{ $written }' không khớp với đơn vị được yêu cầu
upload-problem-month-mismatch = '{ $written }' không khớp với tháng được yêu cầu
upload-problem-empty-payload = Số liệu rỗng: không có thủ tục nào và không có chỉ số nào
upload-problem-no-services = Đơn vị có cung cấp dịch vụ công nhưng không báo cáo thủ tục nào
upload-problem-duplicate = Mã '{ $code }' xuất hiện hai lần
upload-problem-duplicate-measure = Chỉ số này xuất hiện hai lần
upload-problem-empty-code = Mã thủ tục bị bỏ trống
upload-problem-negative = { $value } là số âm
upload-problem-above-maximum = { $value } vượt mức tối đa hợp lý { $max } của một thủ tục trong một tháng
upload-problem-online-above-received = Số hồ sơ tiếp nhận trực tuyến { $online } lớn hơn số hồ sơ tiếp nhận { $received }
upload-problem-handled-above-processed = Đúng hạn { $on_time } + trễ hạn { $late } lớn hơn số hồ sơ đã giải quyết { $processed }
upload-problem-not-eligible-full-online = Mức toàn trình, nhưng thủ tục được đánh dấu là không đủ điều kiện cung cấp toàn trình
upload-problem-not-whole-number = '{ $text }' không phải là số nguyên
upload-problem-not-a-number = '{ $text }' không phải là số
upload-problem-not-a-flag = '{ $text }' không phải là 1/0, true/false, yes/no hoặc có/không
upload-problem-field-count = Dòng có { $found } trường, trong khi dòng tiêu đề có { $expected }
upload-problem-not-utf8 = Trường thứ { $field } không phải văn bản UTF-8 (hãy lưu tệp dạng UTF-8)
upload-problem-bad-month = '{ $written }' không phải là tháng dạng YYYY-MM
upload-problem-no-such-unit = '{ $written }' không khớp với đơn vị nào đang hoạt động trong tháng { $month }
upload-problem-foreign-unit = Đơn vị { $unit } không phải là đơn vị của tài khoản này ({ $own }) hay đơn vị đã hợp nhất vào đó: các dòng của đơn vị này bị từ chối
upload-problem-bad-header = Dòng tiêu đề { $found } không theo mẫu nào: cần { $services } hoặc { $measures }

## Upload page (/nop-so-lieu)

upload-file-label = Tệp CSV (UTF-8) hoặc Excel (.xlsx, trang tính đầu tiên), tối đa { $mib } MiB:
upload-send-and-check = Gửi và kiểm tra
upload-whose-unit = Tài khoản này gửi số liệu của đơn vị { $own } (và các đơn vị đã hợp nhất vào đơn vị này); dòng của đơn vị khác bị từ chối.
upload-whose-ministry = Cán bộ Bộ được gửi số liệu của mọi đơn vị.
upload-heading = Nộp số liệu hằng tháng
upload-intro-before = Tệp theo một trong hai mẫu của lệnh
upload-intro-after = (theo thủ tục hoặc theo chỉ số; xem tài liệu nguồn số liệu). Tệp được kiểm tra trước; số liệu chỉ được ghi nhận khi bạn xác nhận.
upload-outcome-will-store = Sẽ ghi nhận
upload-too-many = Tài khoản đã gửi { $count } tệp trong 24 giờ qua; hãy thử lại sau.
upload-outcome-will-store-new = Sẽ ghi nhận mới
upload-outcome-replaces = (thay thế số liệu đã có: { $services } thủ tục, { $measures } chỉ số)
upload-outcome-stored = Đã ghi nhận
upload-outcome-unchanged = Giống số liệu đã có, không thay đổi
upload-outcome-rejected = Bị từ chối
upload-outcome-failed = Lỗi khi ghi
upload-procedures = Thủ tục
upload-measures = Chỉ số
upload-check-title = Kiểm tra tệp
upload-check-heading = Kiểm tra tệp { $file }
upload-no-problems = Tệp không có lỗi. Xác nhận để ghi nhận số liệu.
upload-confirm = Xác nhận gửi số liệu
upload-has-problems = Tệp có { $count } lỗi; chưa có số liệu nào được ghi nhận. Hãy sửa tệp rồi gửi lại.
upload-line = Dòng
upload-problem = Vấn đề
upload-send-again = Gửi lại tệp đã sửa
upload-done-title = Đã nhận số liệu
upload-done-heading = Đã nhận tệp { $file }
upload-received-at = Nhận lúc { $when }; thời điểm này được tính cho việc báo cáo đúng hạn.
upload-months-refused = { $count } tháng bị từ chối khi ghi; xem bảng dưới đây.
upload-send-another = Gửi tệp khác
upload-too-large = Tệp lớn quá { $mib } MiB; hãy gửi số liệu từng tháng.
upload-no-file = Chưa chọn tệp, hoặc tệp rỗng.
upload-no-such-upload = Không có tệp này; hãy gửi lại tệp.
upload-other-account = Tệp này do tài khoản khác gửi; chỉ người gửi được xác nhận.
upload-refused-line = dòng { $line }
upload-refused = Tệp không được nhận ({ $count } vấn đề): { $line }trường '{ $field }': { $problem }. Hãy sửa tệp và gửi lại.

## Login page (/login)

login-title = Đăng nhập
login-name = Tên đăng nhập
login-password = Mật khẩu
login-form-expired = Phiên biểu mẫu đã hết hạn; vui lòng đăng nhập lại.
login-throttled = Đăng nhập sai quá nhiều lần; vui lòng thử lại sau { $secs } giây.
login-wrong = Sai tên đăng nhập hoặc mật khẩu.

## The lagging alert's reasons (compute/lagging.rs): mails, digest and report
lagging-reason-behind = { $indicator }: chưa đạt chỉ tiêu và chậm so với lộ trình của đơn vị
lagging-reason-bottom = thuộc nhóm { $n } đơn vị cuối bảng xếp hạng
lagging-reason-drop = điểm tổng hợp giảm { $drop } điểm so với tháng trước ({ $before } → { $now })

## Services page (/don-vi/{code}/dich-vu) and the unused flag (issue 15 §2)
services-title = Dịch vụ công · { $unit }
services-back-to-unit = Trang đơn vị
services-summary = { $services } dịch vụ · { $full } toàn trình · từ { $from } đến { $to }
services-unused-note = { $count } dịch vụ công bố toàn trình nhưng không có hồ sơ trực tuyến nào trong { $months } tháng liền đến { $to }
services-none = Không có dịch vụ nào được báo cáo trong khoảng này.
services-link = Dịch vụ công: mức độ và hồ sơ theo tháng
services-any-level = Mọi mức độ
services-unused-level = Toàn trình, { $months } tháng không có hồ sơ trực tuyến
services-field = Lĩnh vực
services-any-field = Mọi lĩnh vực
services-level = Mức độ
services-filter = Lọc
services-code = Mã
services-procedure = Thủ tục
services-full-online-since = Toàn trình từ
services-received = Hồ sơ tiếp nhận
services-received-online = Trực tuyến
services-online-share = Tỉ lệ trực tuyến
services-processed = Đã giải quyết
services-on-time = Đúng hạn
services-warning = Cảnh báo
services-not-reported = Không báo cáo
services-unused-months = { $months } tháng không có hồ sơ trực tuyến
services-legend = TT: toàn trình · MP: một phần · —: chưa trực tuyến · ·: không báo cáo
services-since-or-earlier = { $month } hoặc trước
services-level-full = Toàn trình
services-level-partial = Một phần
services-level-not-online = Chưa trực tuyến
services-mark-full = TT
services-mark-partial = MP
quality-unused-services = Dịch vụ toàn trình chưa phát sinh hồ sơ trực tuyến
quality-unused-note = Dịch vụ công bố toàn trình nhưng không tiếp nhận hồ sơ trực tuyến nào trong { $months } tháng liền đến { $to } (mỗi tháng đều có báo cáo). Tổng số: { $count }.
quality-unused-none = Không có dịch vụ nào.
quality-unused-count = Số dịch vụ
quality-unused-services-column = Dịch vụ

## The unit page's portal card (issue 15 §4)
portal-heading = Cổng dịch vụ công
portal-address = Địa chỉ:
portal-no-probe = Chưa có lần kiểm tra nào trong { $month }.
portal-availability = Tỷ lệ sẵn sàng { $month }
portal-ok-probes = { $ok }/{ $probes } lần kiểm tra thành công
portal-over-threshold = vượt ngưỡng { $threshold } không truy cập được
portal-p95 = Thời gian phản hồi (p95)
portal-p95-note = của các lần kiểm tra thành công
portal-certificate = Chứng thư số (TLS)
portal-certificate-note = ít nhất trong tháng; cảnh báo khi còn ≤ { $days } ngày
portal-last-probe = Lần kiểm tra gần nhất
portal-up = Hoạt động
portal-down = Không truy cập được
portal-cert-expired = Đã hết hạn { $days } ngày
portal-cert-left = Còn { $days } ngày

## Service plans (issue 15 §3): the unit page's section, /ke-hoach and the quality page
plan-heading = Kế hoạch cung cấp dịch vụ công trực tuyến toàn trình
plan-intro = Theo Công văn 1145/BTTTT-THH: danh sách thủ tục đủ điều kiện với tháng đưa lên trực tuyến toàn trình, và thủ tục không đủ điều kiện kèm lý do. Hạn nộp: { $deadline }.
plan-time = { $time } ngày { $day }
plan-filed-on-time = Đã nộp đúng hạn
plan-filed-late = Nộp muộn
plan-missing = Chưa nộp, đã quá hạn
plan-awaited = Chưa nộp, chưa đến hạn
plan-service-behind = Chậm so với kế hoạch
plan-service-late = Toàn trình muộn hơn kế hoạch
plan-service-on-time = Toàn trình đúng kế hoạch
plan-service-ahead = Toàn trình sớm hơn kế hoạch
plan-service-not-yet-due = Chưa đến tháng mục tiêu
plan-service-not-eligible = Không đủ điều kiện
plan-not-reported = Chưa báo cáo
plan-current-filed = kế hoạch hiện hành nộp lúc { $at }
plan-by = bởi { $who }
plan-filings = { $count } lần nộp; lần đầu { $first }
plan-file = Nộp kế hoạch
plan-as-of = Tính đến { $month }
plan-not-in-plan = { $count } thủ tục đơn vị có báo cáo nhưng không có trong kế hoạch
plan-by-month = Theo tháng: số thủ tục toàn trình theo kế hoạch và thực tế
plan-planned-cumulative = Kế hoạch (lũy kế)
plan-actual = Thực tế
plan-by-service = Theo thủ tục
plan-target-month = Tháng mục tiêu
plan-level-now = Mức độ hiện tại
plan-status = Tình trạng
plan-only-own = Tài khoản này chỉ nộp kế hoạch của đơn vị { $own }, không nộp cho đơn vị { $asked }.
plan-choose-unit = Hãy chọn đơn vị: /ke-hoach?don-vi=MÃ (ví dụ /ke-hoach?don-vi=01).
plan-upload-heading = Nộp kế hoạch dịch vụ công trực tuyến toàn trình — { $unit }
plan-upload-intro = Theo Công văn 1145/BTTTT-THH: mỗi dòng một thủ tục. Thủ tục đủ điều kiện ghi tháng đưa lên trực tuyến toàn trình (YYYY-MM); thủ tục không đủ điều kiện ghi mã lý do. Hạn nộp: { $deadline }. Kế hoạch nộp lại thay kế hoạch trước (các lần nộp đều được lưu).
plan-first-line = Dòng đầu của tệp:
plan-reason-codes = Mã lý do không đủ điều kiện
plan-reason = Lý do
plan-see-current = Xem kế hoạch hiện hành trên trang đơn vị
plan-too-large = Tệp lớn quá { $mib } MiB.
plan-received = Đã nhận kế hoạch
plan-refused = Kế hoạch không được nhận
plan-received-of = Đã nhận kế hoạch của { $unit }
plan-new = Kế hoạch mới gồm
plan-unchanged = Tệp giống kế hoạch hiện hành, không thay đổi:
plan-counts = { $services } thủ tục, trong đó { $eligible } thủ tục đủ điều kiện trực tuyến toàn trình.
plan-see-progress = Xem kế hoạch so với thực tế
plan-problems = Tệp có { $count } lỗi; chưa có gì được lưu. Hãy sửa tệp rồi nộp lại.
plan-line = Dòng
plan-problem = Vấn đề
plan-refile = Nộp lại tệp đã sửa
plan-national-heading = Kế hoạch dịch vụ công trực tuyến toàn trình (Công văn 1145/BTTTT-THH)
plan-national-deadline = Hạn nộp { $deadline }
plan-national-filed = Đúng hạn
plan-national-late = Muộn
plan-national-missing = Chưa nộp (quá hạn)
plan-national-awaited = Chưa nộp (chưa đến hạn)
plan-national-units = đơn vị.
plan-national-plan = Kế hoạch

## A service plan's problems (/ke-hoach)
plan-problem-header = Dòng tiêu đề { $found } không theo mẫu kế hoạch: cần { $expected }
plan-problem-too-many-lines = Tệp có hơn { $max } dòng; kế hoạch chỉ liệt kê các thủ tục của đơn vị
plan-problem-no-lines = Tệp không có dòng thủ tục nào
plan-problem-foreign-unit = Đơn vị { $unit } không phải là đơn vị nộp kế hoạch này ({ $own }): các dòng của đơn vị đó bị từ chối
plan-problem-length = Phải có từ 1 đến { $max } ký tự
plan-problem-listed-twice = Thủ tục '{ $code }' có hai lần (lần đầu ở dòng { $first })
plan-problem-reason-for-eligible = '{ $reason }': lý do chỉ ghi cho thủ tục không đủ điều kiện
plan-problem-target-for-not-eligible = '{ $target }': thủ tục không đủ điều kiện không có tháng mục tiêu
plan-problem-reason-required = Thủ tục không đủ điều kiện phải ghi lý do: một trong { $codes }
plan-problem-not-a-reason = '{ $reason }' không phải là mã lý do: một trong { $codes }
plan-problem-target-required = Thủ tục đủ điều kiện phải ghi tháng mục tiêu (YYYY-MM)
plan-problem-target-out-of-range = '{ $text }' không nằm trong khoảng { $lo }-01 đến { $hi }-12
