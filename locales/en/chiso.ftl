# chiso — English catalogue, for partners and donors who read the rankings.
# Same keys as locales/vi/chiso.ftl (a test checks). See docs/languages.md.

## Shared words

common-unit = Unit
common-indicator = Indicator
common-no-data = No data
common-download-csv = Download CSV
common-show = Show
common-month = Month
common-from-month = From
common-to-month = to
common-result = Result
common-field = Field

## Layout and navigation

nav-brand = Digital government indicators
nav-ranking = Rankings
nav-quality = Data quality
nav-dashboards = Dashboards
nav-schema = Data schema
nav-upload = Submit data

## Error pages

error-title = Error
error-heading = This page cannot be shown
error-data-unreadable = The data could not be read; see the server log.
error-login-needed = Please log in.
error-forbidden = Your account may not view this page.
error-csv = The CSV file could not be made.

## Periods, dates and names

period-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
  } { $year }
period-quarter = Q{ $quarter } { $year }
period-year = { $year }
period-month-in-sentence = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
  } { $year }
period-year-to-date = Year to { $month }
time-and-day = { $time } on { $day }
group-province = Provinces and cities
group-ministry-services = Ministries and agencies providing public services
group-ministry-no-services = Ministries and agencies not providing public services
status-achieved = Achieved
status-on-track = On track
status-lagging = Lagging
status-no-data = No data
status-no-target = No target yet
axis-percent = Rate (%)
axis-score = Score
axis-count = Count

## Ranking page (/xep-hang)

ranking-bad-group = '{ $text }' is not a ranking group
ranking-no-such-publication = The period has no such publication.
ranking-no-such-group = The period has no such group.
ranking-title = Ranking { $period }
ranking-heading = Ranking of { $group } · { $period }
ranking-missing-last = Units without data are listed last, are not ranked and are never counted as 0.
ranking-report-hint = For ministry staff
ranking-monthly-report = Monthly report
ranking-rank = Rank
ranking-change = Change
ranking-score = Composite score
ranking-indicators-with-data = { $scored } / { $expected } indicators with data
ranking-cell-title = { $status }: target { $target }, gap { $gap }, { $with_data }/{ $expected } months with data
ranking-period = Period:
national-summary = Nationwide: pooled rate (sum of numerators ÷ sum of denominators) and the mean of the units' rates
national-pooled = Pooled rate
national-mean-of-units = Mean of units
national-units-with-data = Units with data
national-reports-with-data = Reports with data

## Publishing (ranking page)

publish-reason-missing = Please give the reason for publishing or revising (field 'reason').
publish-reason-too-long = The reason is longer than { $max } characters (field 'reason').
publish-by-command-line = command line
publish-provisional = Provisional results from the data received so far (computed at { $when }); they may change when units send more data.
publish-published = Published results, data frozen at { $when }.
publish-superseded = This is an earlier publication; the current one was revised on { $day }.
publish-see-current = See the current publication
publish-revised = Results revised on { $day }
publish-history = Publication history ({ $count ->
    [one] once
   *[other] { $count } times
  })
publish-frozen-at = Data frozen at
publish-by = Published by
publish-reason = Reason
publish-first = Published
publish-revision = Revised
publish-see-this = See this publication
publish-revise-legend = Revise the published results
publish-revise-button = Revise
publish-legend = Publish (freeze the data of) this period
publish-button = Publish
publish-reason-label = reason:

## Unit page (/don-vi/{code})

unit-not-found = There is no unit with code '{ $code }'.
unit-code = Code { $code }
unit-active-until = active until { $day }
unit-successors = succeeded by:
unit-trends = Month by month
unit-reporting-history = Reporting history
unit-recent-attempts = Latest collection attempts
unit-card-target = Target: { $target } · gap: { $gap }
unit-report = Report
unit-received-at = Received at
unit-no-attempts = No collection attempt yet.
unit-attempt-at = At
unit-tries = Tries
arrival-on-time = On time
arrival-late = Late
arrival-unknown = Time unknown
arrival-missing = Not reported

## Charts

chart-target = Target
chart-national-pooled = Nationwide (pooled rate)
chart-failed = The chart of { $name } could not be drawn.
chart-out-of-range = Values outside the drawable range were left out
chart-unit-count = Number of units

## Indicator page (/chi-so/{code})

indicator-not-found = There is no indicator '{ $code }'.
indicator-source = Source: { $source } · period { $period }
indicator-units-with-data = { $with_data } / { $expected } units with data
indicator-spread = Spread · { $group }
indicator-value-percent = Value (%)
indicator-chart-failed = The chart could not be drawn: { $error }
indicator-national-trend = Nationwide trend · { $group }
indicator-latest-pooled = Latest month: pooled rate { $value }

## Data quality page (/chat-luong)

quality-heading = Data quality · { $from } to { $to }
quality-to-month = Up to
quality-reporting-rate = Reporting rate
quality-unknown-arrival-note = For a month first collected after its reporting deadline (a catch-up collection, an import of history) the time the unit reported is unknown: it counts neither as on time nor as late, and is left out of the on-time rate.
quality-outliers = Unusual changes (to review)
quality-outliers-note = A change from the previous month that is both far from the other units' changes that month (modified z-score > { $threshold }) and material: at least { $points } points and at least { $relative } of the previous month's value. Largest changes first. The data stay as they are; they are only marked for review.
quality-page-of = Page { $page }/{ $pages } ({ $changes } changes)
quality-previous = Previous
quality-next = Next
quality-attempts = Collection attempts by unit and month
quality-rejected = Rejected data
quality-due = Due
quality-reported = Reported
quality-on-time-rate = On-time rate
quality-no-outliers = No unusual changes.
quality-previous-month = Previous month
quality-this-month = This month
quality-z-score = z-score
quality-review = Review
quality-note = Note
quality-save = Save
quality-verdict-correct = Checked, correct
quality-verdict-to-correct = To be corrected by the unit
quality-not-collected = Not collected
quality-attempt-tally = { $attempts } attempts: { $stored } stored, { $unchanged } unchanged, { $rejected } rejected, { $failed } failed
quality-errors = { $count ->
    [one] 1 error
   *[other] { $count } errors
  }
quality-no-rejections = No rejected data.

## Dashboards (/bang)

dashboard-not-found = There is no dashboard '{ $slug }'.
dashboard-query-failed = The query of this panel could not be run; see the server log.

## Data schema (/luoc-do)

schema-intro-before = The tables and views of the database
schema-intro-after = that analysts may read (through POST /api/v1/sql or the read-only ClickHouse account).
schema-column = Column
schema-type = Type
schema-meaning = Meaning

## Audit log (/nhat-ky)

audit-bad-day = { $name } '{ $text }': expected YYYY-MM-DD
audit-bad-kind = there is no event kind '{ $kind }'
audit-kind-login = Login
audit-kind-login-failed = Failed login
audit-kind-login-throttled = Login temporarily blocked
audit-kind-logout = Logout
audit-kind-account-changed = Account changed
audit-kind-token-changed = Token changed
audit-kind-freeze = Period frozen
audit-kind-import = File imported
audit-kind-sql-query = SQL query
audit-kind-remind-run = Reminders sent
audit-actor-system = (command line / schedule)
audit-title = Audit log
audit-kind = Kind
audit-all = All
audit-account = Account
audit-from-day = From
audit-to-day = To
audit-filter = Filter
audit-latest = { $count } latest events (at most { $max }).
audit-at-utc = Time (UTC)
audit-actor = By
audit-subject = Subject
audit-address = Address
audit-detail = Details
audit-sql-cost = { $rows } rows, { $bytes } bytes, { $ms } ms
audit-refused = refused

## Monthly report (/bao-cao/{month})

report-bad-month = month '{ $month }': { $error }
report-title = Digital government indicators: progress report for { $month }
report-running = Monthly report { $month }
report-made-at = Made at { $when }. Missing data are written “{ $missing }” and never counted as 0; units without data are not ranked.
report-download-xlsx = Download the data tables (.xlsx, in Vietnamese)
report-published = Published data, frozen at { $when }
report-provisional = Provisional data computed at { $when }, not frozen; they may change
report-national-heading = Nationwide figures against the { $year } targets
report-national-note = Pooled rate: the sum of numerators ÷ the sum of denominators of the units with data (each dossier weighs the same); mean of units: the plain mean of the units' values (each unit weighs the same).
report-group = Group
report-verdict = Assessment
report-units-achieved = Units meeting the target
report-not-achieved = Not achieved
report-all-groups = Nationwide (all groups)
report-ranking-heading = Ranking of { $group }
report-unranked = { $count ->
    [one] 1 unit has no data: listed last, not ranked, never counted as 0.
   *[other] { $count } units have no data: listed last, not ranked, never counted as 0.
  }
report-lagging-heading = Units behind their targets or alerted
report-lagging-note = Units that reported but have an indicator below both the year's target and the month's trajectory, and units sent the lagging alert (below both their target and their own trajectory, among the last of their group, or a composite score down markedly from the month before), with why.
report-alerted = Lagging alert
report-no-lagging = No unit is behind its targets.
report-indicators-behind = Indicators behind
report-not-reported-heading = Units that have not reported
report-all-reported = Every unit has reported.
report-code = Code
report-on-time-note = The on-time rate counts only reports whose arrival time is known; catch-up collections and imports of history are left out.
report-no-rejections = No data were rejected this month.
report-times = Times
report-last-reason = Last reason
report-field-reason = field '{ $field }': { $reason }
report-outliers-heading = Unusual changes to review
report-no-outliers = No unusual changes from the previous month.
report-outliers-note = The data stay as the units sent them; they are only marked for review.
report-chart-failed = The chart could not be drawn.
report-no-scores = No unit has a score to draw.
report-score-chart = Composite score · { $group }
report-nationwide = Nationwide
report-target-chart = Nationwide against targets (%) · { $group }

## Upload problems (/nop-so-lieu; issue 14): what the validator found

upload-problem-unit-mismatch = '{ $written }' does not match the unit asked for
upload-problem-month-mismatch = '{ $written }' does not match the month asked for
upload-problem-empty-payload = The data are empty: no procedures and no measures
upload-problem-no-services = The unit provides public services but reported no procedure
upload-problem-duplicate = Code '{ $code }' appears twice
upload-problem-duplicate-measure = This measure appears twice
upload-problem-empty-code = The procedure code is empty
upload-problem-negative = { $value } is negative
upload-problem-above-maximum = { $value } exceeds the plausible maximum of { $max } for one procedure in a month
upload-problem-online-above-received = { $online } dossiers received online, more than the { $received } received
upload-problem-handled-above-processed = On time { $on_time } + late { $late } is more than the { $processed } processed
upload-problem-not-eligible-full-online = Fully online, but the procedure is marked as not eligible to be fully online
upload-problem-not-whole-number = '{ $text }' is not a whole number
upload-problem-not-a-number = '{ $text }' is not a number
upload-problem-not-a-flag = '{ $text }' is not 1/0, true/false, yes/no or có/không
upload-problem-field-count = The line has { $found } fields where the header has { $expected }
upload-problem-not-utf8 = Field { $field } is not UTF-8 text (save the file as UTF-8)
upload-problem-bad-month = '{ $written }' is not a month written YYYY-MM
upload-problem-no-such-unit = '{ $written }' matches no unit active in { $month }
upload-problem-foreign-unit = Unit { $unit } is neither this account's unit ({ $own }) nor merged into it: its rows are refused
upload-problem-bad-header = The header { $found } follows neither template: expected { $services } or { $measures }

## Upload page (/nop-so-lieu)

upload-file-label = CSV file (UTF-8) or Excel workbook (.xlsx, its first sheet), at most { $mib } MiB:
upload-send-and-check = Send and check
upload-whose-unit = This account sends the data of unit { $own } (and of the units merged into it); other units' rows are refused.
upload-whose-ministry = Ministry staff may send the data of every unit.
upload-heading = Submit monthly data
upload-intro-before = A file in one of the two templates of
upload-intro-after = (by procedure or by measure; see the data sources documentation). The file is checked first; the data are stored only when you confirm.
upload-outcome-will-store = Will be stored
upload-too-many = This account sent { $count } files in the last 24 hours; please try again later.
upload-outcome-will-store-new = Will be stored (new)
upload-outcome-replaces = (replacing the data stored: { $services } procedures, { $measures } measures)
upload-outcome-stored = Stored
upload-outcome-unchanged = Same as the data already stored, unchanged
upload-outcome-rejected = Rejected
upload-outcome-failed = Failed to store
upload-procedures = Procedures
upload-measures = Measures
upload-check-title = File check
upload-check-heading = Check of { $file }
upload-no-problems = The file has no problems. Confirm to store the data.
upload-confirm = Confirm and submit the data
upload-has-problems = { $count ->
    [one] The file has 1 problem; no data were stored. Please correct the file and send it again.
   *[other] The file has { $count } problems; no data were stored. Please correct the file and send it again.
  }
upload-line = Line
upload-problem = Problem
upload-send-again = Send the corrected file
upload-done-title = Data received
upload-done-heading = File { $file } received
upload-received-at = Received at { $when }; this time counts for reporting on time.
upload-months-refused = { $count ->
    [one] 1 month was refused when stored; see the table below.
   *[other] { $count } months were refused when stored; see the table below.
  }
upload-send-another = Send another file
upload-too-large = The file is larger than { $mib } MiB; please send the data month by month.
upload-no-file = No file chosen, or the file is empty.
upload-no-such-upload = There is no such file; please send the file again.
upload-other-account = This file was sent by another account; only its sender may confirm it.
upload-refused-line = line { $line }
upload-refused = The file was not accepted ({ $count } problems): { $line }field '{ $field }': { $problem }. Please correct the file and send it again.

## Login page (/login)

login-title = Log in
login-name = User name
login-password = Password
login-form-expired = The form has expired; please log in again.
login-throttled = Too many failed logins; please try again in { $secs } seconds.
login-wrong = Wrong user name or password.

## The lagging alert's reasons (compute/lagging.rs): mails, digest and report
lagging-reason-behind = { $indicator }: below both the target and the unit's own trajectory
lagging-reason-bottom = among the last { $n } units of the ranking
lagging-reason-drop = composite score down { $drop } points from the month before ({ $before } → { $now })

## Services page (/don-vi/{code}/dich-vu) and the unused flag (issue 15 §2)
services-title = Public services · { $unit }
services-back-to-unit = Unit page
services-summary = { $services } services · { $full } fully online · from { $from } to { $to }
services-unused-note = { $count } services declared fully online received no online application in the { $months } months to { $to }
services-none = No service was reported in this range.
services-link = Public services: level and applications by month
services-any-level = Every level
services-unused-level = Fully online, no online application for { $months } months
services-field = Field
services-any-field = Every field
services-level = Level
services-filter = Filter
services-code = Code
services-procedure = Procedure
services-full-online-since = Fully online since
services-received = Applications received
services-received-online = Online
services-online-share = Online share
services-processed = Processed
services-on-time = On time
services-warning = Warning
services-not-reported = Not reported
services-unused-months = { $months } months without an online application
services-legend = FO: fully online · PO: partly online · —: not online · ·: not reported
services-since-or-earlier = { $month } or earlier
services-level-full = Fully online
services-level-partial = Partly online
services-level-not-online = Not online
services-mark-full = FO
services-mark-partial = PO
quality-unused-services = Fully online services without online applications
quality-unused-note = Services declared fully online that received no online application in the { $months } months to { $to } (each month reported). In all: { $count }.
quality-unused-none = No service.
quality-unused-count = Services
quality-unused-services-column = Services

## The unit page's portal card (issue 15 §4)
portal-heading = Public service portal
portal-address = Address:
portal-no-probe = No probe yet in { $month }.
portal-availability = Availability in { $month }
portal-ok-probes = { $ok }/{ $probes } probes succeeded
portal-over-threshold = more than { $threshold } unreachable
portal-p95 = Response time (p95)
portal-p95-note = of the successful probes
portal-certificate = TLS certificate
portal-certificate-note = lowest in the month; warned at ≤ { $days } days
portal-last-probe = Latest probe
portal-up = Up
portal-down = Unreachable
portal-cert-expired = Expired { $days } days ago
portal-cert-left = { $days } days left

## Service plans (issue 15 §3): the unit page's section, /ke-hoach and the quality page
plan-heading = Plan for fully online public services
plan-intro = As letter 1145/BTTTT-THH asks: the eligible procedures with the month each goes fully online, and the procedures not eligible with the reason. Deadline: { $deadline }.
plan-time = { $time } on { $day }
plan-filed-on-time = Filed on time
plan-filed-late = Filed late
plan-missing = Not filed, past the deadline
plan-awaited = Not filed, deadline not yet passed
plan-service-behind = Behind the plan
plan-service-late = Fully online later than planned
plan-service-on-time = Fully online as planned
plan-service-ahead = Fully online ahead of the plan
plan-service-not-yet-due = Target month not yet reached
plan-service-not-eligible = Not eligible
plan-not-reported = Not reported
plan-current-filed = current plan filed at { $at }
plan-by = by { $who }
plan-filings = { $count } filings; the first at { $first }
plan-file = File the plan
plan-as-of = As of { $month }
plan-not-in-plan = { $count } procedures reported by the unit are not in its plan
plan-by-month = By month: procedures fully online, planned and actual
plan-planned-cumulative = Planned (cumulative)
plan-actual = Actual
plan-by-service = By procedure
plan-target-month = Target month
plan-level-now = Level now
plan-status = Status
plan-only-own = This account files the plan of unit { $own } only, not of unit { $asked }.
plan-choose-unit = Choose a unit: /ke-hoach?don-vi=CODE (for example /ke-hoach?don-vi=01).
plan-upload-heading = File the plan for fully online public services — { $unit }
plan-upload-intro = As letter 1145/BTTTT-THH asks: one line per procedure. An eligible procedure gives the month it goes fully online (YYYY-MM); one not eligible gives a reason code. Deadline: { $deadline }. A plan filed again replaces the one before (every filing is kept).
plan-first-line = The file's first line:
plan-reason-codes = Reason codes for procedures not eligible
plan-reason = Reason
plan-see-current = See the current plan on the unit page
plan-too-large = The file is larger than { $mib } MiB.
plan-received = Plan received
plan-refused = Plan not accepted
plan-received-of = Plan of { $unit } received
plan-new = The new plan lists
plan-unchanged = The file is the same as the current plan, nothing changed:
plan-counts = { $services } procedures, { $eligible } of them eligible to go fully online.
plan-see-progress = See the plan against what happened
plan-problems = The file has { $count } problems; nothing was stored. Correct the file and file it again.
plan-line = Line
plan-problem = Problem
plan-refile = File the corrected file again
plan-national-heading = Plans for fully online public services (letter 1145/BTTTT-THH)
plan-national-deadline = Deadline { $deadline }
plan-national-filed = On time
plan-national-late = Late
plan-national-missing = Not filed (past the deadline)
plan-national-awaited = Not filed (deadline not yet passed)
plan-national-units = units.
plan-national-plan = Plan

## A service plan's problems (/ke-hoach)
plan-problem-header = The header { $found } is not the plan's: expected { $expected }
plan-problem-too-many-lines = More than { $max } lines; a plan lists a unit's services
plan-problem-no-lines = The file has no service lines
plan-problem-foreign-unit = Unit { $unit } is not the unit filing this plan ({ $own }): its lines are refused
plan-problem-length = Must be 1 to { $max } characters
plan-problem-listed-twice = '{ $code }' is listed twice (first on line { $first })
plan-problem-reason-for-eligible = '{ $reason }': a reason is for services not eligible only
plan-problem-target-for-not-eligible = '{ $target }': a service not eligible has no target month
plan-problem-reason-required = Required for a service not eligible: one of { $codes }
plan-problem-not-a-reason = '{ $reason }' is not a reason: one of { $codes }
plan-problem-target-required = Required for an eligible service (YYYY-MM)
plan-problem-target-out-of-range = '{ $text }' is not between { $lo }-01 and { $hi }-12
