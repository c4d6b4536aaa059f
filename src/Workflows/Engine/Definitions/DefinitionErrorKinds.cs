namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>
/// Every error a definition can have, from reading its JSON to validating its flowchart: the catalogue
/// the editor page, the API's problem details and the command line take their codes and zh-TW
/// messages from. docs/ENGINE.md lists them; a test keeps the two in step.
/// </summary>
public static class DefinitionErrorKinds
{
    // Reading the JSON text.
    public static readonly ErrorKind MalformedJson = new(
        "json.malformed", "The text is not valid JSON; the message gives the line, the character in it and the reason.",
        "JSON 格式有誤：第 {line} 行第 {column} 個字，{reason}", "line", "column", "reason");

    public static readonly ErrorKind NotAnObject = new(
        "json.not-an-object", "The text is JSON but not one object.",
        "內容必須是一個 JSON 物件（以「{」開始），不能是{actual}", "actual");

    // The definition's own fields.
    public static readonly ErrorKind DefinitionIdMissing = new(
        "definition.id-missing", "The definition has neither definitionId, id nor a name to derive a definitionId from.",
        "缺少定義代碼 definitionId，也沒有可以推導代碼的名稱 name：每個工作流程定義都要有固定不變的代碼");

    public static readonly ErrorKind DefinitionIdDerived = new(
        "definition.id-derived", "A warning, not an error: the definition has no definitionId, so one was derived from its name (a slug, or a hash for a name that is not ASCII).",
        "注意：定義沒有代碼 definitionId，已依名稱「{name}」推導為「{definitionId}」；請把這個代碼寫進檔案，之後改名也不會變成另一個定義", "name", "definitionId");

    public static readonly ErrorKind DefinitionTooLarge = new(
        "definition.too-large", "The definition has more activities or connections than the engine accepts (50,000 activities, 200,000 connections).",
        "定義太大：{what}有 {count} 個，上限是 {limit} 個；請拆成幾個較小的工作流程", "what", "count", "limit");

    public static readonly ErrorKind DefinitionIdChanged = new(
        "definition.id-changed", "The definitionId given differs from the definition being edited or addressed.",
        "定義代碼 definitionId 必須是「{expected}」，不能改成「{given}」：代碼不同就是另一個定義", "expected", "given");

    public static readonly ErrorKind VariablesNotAList = new(
        "variables.not-a-list", "variables is present but not an array.",
        "變數清單 variables 必須是 JSON 陣列");

    public static readonly ErrorKind VariableNameMissing = new(
        "variable.name-missing", "A variable has no name.",
        "變數缺少名稱 name");

    public static readonly ErrorKind VariableDeclaredTwice = new(
        "variable.duplicate", "Two variables have the same name.",
        "變數「{name}」重複宣告", "name");

    public static readonly ErrorKind VariableUndeclared = new(
        "variable.undeclared", "A Variable expression or Elsa.SetVariable names a variable that $.variables does not declare (a Variable expression may also name a workflow input).",
        "變數「{name}」沒有在 $.variables 中宣告", "name");

    public static readonly ErrorKind InputsNotAList = new(
        "inputs.not-a-list", "inputs is present but not an array.",
        "工作流程輸入清單 inputs 必須是 JSON 陣列");

    public static readonly ErrorKind InputNameMissing = new(
        "input.name-missing", "A workflow input has no name.",
        "工作流程輸入缺少名稱 name");

    // The flowchart.
    public static readonly ErrorKind RootMissing = new(
        "root.missing", "There is no root activity.",
        "缺少根活動 root：應為一個 Elsa.Flowchart 流程圖");

    public static readonly ErrorKind RootNotAFlowchart = new(
        "root.not-a-flowchart", "The root activity is not an Elsa.Flowchart.",
        "根活動的類型必須是「Elsa.Flowchart」，不能是「{type}」", "type");

    public static readonly ErrorKind ActivitiesMissing = new(
        "root.activities-missing", "The flowchart has no activities array.",
        "流程圖缺少活動清單 activities（JSON 陣列）");

    public static readonly ErrorKind ConnectionsNotAList = new(
        "root.connections-not-a-list", "connections is present but not an array.",
        "連線清單 connections 必須是 JSON 陣列");

    public static readonly ErrorKind EndlessLoop = new(
        "flowchart.endless-loop", "A loop has no way out and no activity that waits, so it would run forever.",
        "迴圈 {loop} 沒有出口，也沒有會等待的活動，會永遠執行下去", "loop");

    // Activities.
    public static readonly ErrorKind ActivityNotAnObject = new(
        "activity.not-an-object", "An item of the activities array is not an object.",
        "活動必須是 JSON 物件");

    public static readonly ErrorKind ActivityIdMissing = new(
        "activity.id-missing", "An activity has no id.",
        "活動缺少代碼 id");

    public static readonly ErrorKind ActivityTypeMissing = new(
        "activity.type-missing", "An activity has no type.",
        "活動缺少類型 type");

    public static readonly ErrorKind ActivityIdDuplicate = new(
        "activity.duplicate-id", "Two activities have the same id; the message says where it was first used.",
        "活動代碼「{id}」重複：第一次用在 {first}", "id", "first");

    public static readonly ErrorKind ActivityTypeUnknown = new(
        "activity.unknown-type", "No activity of this type is registered.",
        "「{type}」不是已知的活動類型", "type");

    public static readonly ErrorKind ActivityInputMissing = new(
        "activity.input-missing", "A required input of the activity is not set.",
        "{type} 活動必須設定輸入「{input}」", "type", "input");

    public static readonly ErrorKind ActivityUnreachable = new(
        "activity.unreachable", "No path of connections leads from the start activity to this one (in a nested flowchart, from that flowchart's own start).",
        "從起始活動「{start}」沒有連線可以到達活動「{id}」", "start", "id");

    // Connections.
    public static readonly ErrorKind ConnectionNotAnObject = new(
        "connection.not-an-object", "An item of the connections array is not an object.",
        "連線必須是 JSON 物件");

    public static readonly ErrorKind ConnectionSourceMissing = new(
        "connection.source-missing", "A connection names no source activity.",
        "連線缺少來源活動 source");

    public static readonly ErrorKind ConnectionTargetMissing = new(
        "connection.target-missing", "A connection names no target activity.",
        "連線缺少目標活動 target");

    public static readonly ErrorKind ConnectionSourceUnknown = new(
        "connection.unknown-source", "The connection's source is not an activity of the flowchart.",
        "連線的來源「{source}」不是此流程圖中的活動", "source");

    public static readonly ErrorKind ConnectionTargetUnknown = new(
        "connection.unknown-target", "The connection's target is not an activity of the flowchart.",
        "連線的目標「{target}」不是此流程圖中的活動", "target");

    public static readonly ErrorKind ConnectionPortUnknown = new(
        "connection.unknown-port", "The source activity has no outgoing port of that name; the message lists the ports it has.",
        "活動「{id}」（{type}）沒有輸出埠「{port}」；它的輸出埠有：{ports}", "id", "type", "port", "ports");

    public static readonly ErrorKind ConnectionFromActivityWithoutPorts = new(
        "connection.no-outgoing-ports", "The source activity (Elsa.End, Elsa.Finish) has no outgoing ports at all.",
        "活動「{id}」（{type}）沒有任何輸出埠，連線不能從它出發", "id", "type");

    public static readonly ErrorKind ConnectionTargetPortUnknown = new(
        "connection.unknown-target-port", "A connection enters its target through a port other than In.",
        "活動「{id}」沒有輸入埠「{port}」：連線一律從「In」進入", "id", "port");

    // Expressions.
    public static readonly ErrorKind ExpressionTypeUnsupported = new(
        "expression.unsupported-type", "The expression type is not Literal, Variable, Object or JavaScript.",
        "不支援運算式類型「{type}」：請用 Literal、Variable、Object 或 JavaScript", "type");

    public static readonly ErrorKind JavaScriptSyntax = new(
        "expression.javascript-syntax", "The JavaScript does not parse; the reason is the parser's own (English).",
        "JavaScript 語法錯誤：第 {line} 行第 {column} 欄，{reason}", "line", "column", "reason");

    // Input values of the wrong type, checked against each input's declared type (JavaScript is not checked).
    public static readonly ErrorKind InputNotADuration = new(
        "input.not-a-duration", "A literal for a duration input is neither a TimeSpan (02:00:00, 1.00:00:00) nor an ISO 8601 duration (PT2H).",
        "輸入「{input}」必須是時間長度，例如「02:00:00」、「1.00:00:00」或「PT2H」，「{value}」不是", "input", "value");

    public static readonly ErrorKind InputNegativeDuration = new(
        "input.negative-duration", "A literal for a duration input is a negative duration.",
        "輸入「{input}」的時間長度不能是負的：「{value}」", "input", "value");

    public static readonly ErrorKind InputNotABoolean = new(
        "input.not-a-boolean", "A literal for a true/false input is neither true nor false.",
        "輸入「{input}」必須是 true 或 false，「{value}」不是", "input", "value");

    public static readonly ErrorKind InputNotANumber = new(
        "input.not-a-number", "A literal for a number input is not a number.",
        "輸入「{input}」必須是數字，「{value}」不是", "input", "value");

    public static readonly ErrorKind InputNotADateTime = new(
        "input.not-a-date-time", "A literal for a date input is not a date and time.",
        "輸入「{input}」必須是日期時間，例如「2026-11-21T09:00:00+08:00」，「{value}」不是", "input", "value");

    public static readonly ErrorKind InputVariableDefaultMismatch = new(
        "input.variable-default-mismatch", "An input reads a variable whose declared default value is not of the input's type; the message names the type expected.",
        "輸入「{input}」讀取變數「{variable}」，但它的預設值「{value}」不是{expected}", "input", "variable", "value", "expected");

    public static readonly ErrorKind VariableDefaultMismatch = new(
        "variable.default-mismatch", "A variable's default value is not of its declared typeName (a TimeSpan must also not be negative).",
        "變數「{variable}」宣告為 {type}，但預設值「{value}」不是{expected}", "variable", "type", "value", "expected");

    // Inputs particular to one activity.
    public static readonly ErrorKind SwitchCasesNotAList = new(
        "switch.cases-not-a-list", "Elsa.FlowSwitch cases is not an array.",
        "cases 必須是由 label 與 condition 組成的物件清單（JSON 陣列）");

    public static readonly ErrorKind SwitchCaseLabelMissing = new(
        "switch.case-label-missing", "A case of Elsa.FlowSwitch has no label (the label names its port).",
        "分支缺少標籤 label（標籤就是分支的輸出埠名稱）");

    public static readonly ErrorKind SwitchCaseConditionMissing = new(
        "switch.case-condition-missing", "A case of Elsa.FlowSwitch has no condition.",
        "分支缺少條件 condition");

    public static readonly ErrorKind ForkBranchesNotJson = new(
        "fork.branches-not-json", "Elsa.FlowFork branches is text that is not JSON.",
        "分流的 branches 不是有效的 JSON：{reason}", "reason");

    public static readonly ErrorKind ForkBranchesInvalid = new(
        "fork.branches-invalid", "Elsa.FlowFork branches is not a non-empty array of port names.",
        "分流的 branches 必須是列出輸出埠名稱的非空 JSON 陣列，例如 [\"Police\",\"Liaison\"]");

    public static readonly ErrorKind JoinModeUnknown = new(
        "join.unknown-mode", "Elsa.FlowJoin mode is neither WaitAll nor WaitAny.",
        "合流模式「{mode}」無效：只能是 WaitAll 或 WaitAny", "mode");

    public static readonly ErrorKind MergeModeUnknown = new(
        "merge.unknown-mode", "customProperties.mergeMode is not one of Elsa's merge modes (Stream, Merge, Converge, Cascade, Race).",
        "合併模式「{mode}」無效：只能是 Stream、Merge、Converge、Cascade 或 Race", "mode");

    public static readonly ErrorKind HttpPathInvalid = new(
        "http.invalid-path", "Elsa.HttpEndpoint path is not a template of segments with parameters in braces.",
        "路徑「{path}」無效：應為以 / 分隔的段落，參數段落是以大括號包住的名稱", "path");

    public static readonly ErrorKind CronInvalid = new(
        "cron.invalid", "Elsa.Cron cronExpression is not a cron expression of 5 or 6 fields.",
        "排程「{expression}」無效：{reason}", "expression", "reason");

    public static readonly ErrorKind CronTriggerNotLiteral = new(
        "cron.trigger-not-literal", "An Elsa.Cron that starts instances (canStartWorkflow) has a computed cronExpression; its schedule is needed before any instance exists.",
        "啟動流程的排程必須是固定的文字，不能是運算式：發布時就要算出下一次啟動的時間");

    // Files given to the command line.
    public static readonly ErrorKind FileNotFound = new(
        "file.not-found", "A path given to the command line does not exist.",
        "找不到檔案或資料夾「{path}」", "path");

    public static readonly ErrorKind FileNotADefinition = new(
        "file.not-a-definition", "A JSON file named on the command line has no root activity.",
        "這個檔案不是工作流程定義：沒有根活動 root");
}
