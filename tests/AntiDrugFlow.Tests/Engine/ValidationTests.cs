using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Definitions;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Every validation error, with the JSON path, the stable code and the zh-TW message a person reads.</summary>
public sealed class ValidationTests
{
    /// <summary>Codes made outside the reader and the validator, or that no registered activity can produce, and the tests that show them.</summary>
    public static readonly IReadOnlyDictionary<string, string> CodesShownElsewhere = new Dictionary<string, string>
    {
        ["definition.id-changed"] = "WorkflowApiTests, DefinitionPageTests",
        ["file.not-found"] = "CommandLineTests",
        ["definition.id-derived"] = "DefinitionSizeAndIdentityTests (a warning, never an error)",
        ["definition.too-large"] = "DefinitionSizeAndIdentityTests (a definition over the limit is too big for a row here)",
        ["file.not-a-definition"] = "CommandLineTests",
        ["input.not-a-number"] = "InputTypeTests (no registered activity has a number input)",
    };

    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns([.. ChainActivities.All(() => throw new InvalidOperationException("validation never routes"), new ChainOptions())]));

    /// <summary>One definition per code the reader and the validator can produce: the path and the whole zh-TW message it gets.</summary>
    public static TheoryData<string, string, string, string> EveryCode() => new()
    {
        { "{\n  \"definitionId\": \"x\",\n  \"root\": {\n}", "$", "json.malformed", "JSON 格式有誤：第 4 行第 2 個字，物件或陣列沒有結束（缺少「}」或「]」）" },
        { "[1, 2]", "$", "json.not-an-object", "內容必須是一個 JSON 物件（以「{」開始），不能是JSON 陣列" },
        { Document(definitionId: null), "$.definitionId", "definition.id-missing", "缺少定義代碼 definitionId，也沒有可以推導代碼的名稱 name：每個工作流程定義都要有固定不變的代碼" },
        { Document(extra: "\"variables\": {}"), "$.variables", "variables.not-a-list", "變數清單 variables 必須是 JSON 陣列" },
        { Document(extra: "\"variables\": [{\"id\": \"v\"}]"), "$.variables[0].name", "variable.name-missing", "變數缺少名稱 name" },
        { Document(extra: "\"variables\": [{\"name\": \"level\"}, {\"name\": \"level\"}]"), "$.variables[1].name", "variable.duplicate", "變數「level」重複宣告" },
        { Document(extra: "\"variables\": [{\"name\": \"deadline\", \"typeName\": \"TimeSpan\", \"value\": \"-01:00:00\"}]"), "$.variables[0].value", "variable.default-mismatch", "變數「deadline」宣告為 TimeSpan，但預設值「-01:00:00」不是不為負的時間長度" },
        { new Flow("x").Activity("s", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "ghost" }), ("value", Literal(1))).Json(), "$.root.activities[0].variable", "variable.undeclared", "變數「ghost」沒有在 $.variables 中宣告" },
        { Document(extra: "\"inputs\": \"level\""), "$.inputs", "inputs.not-a-list", "工作流程輸入清單 inputs 必須是 JSON 陣列" },
        { Document(extra: "\"inputs\": [{\"type\": \"Int32\"}]"), "$.inputs[0].name", "input.name-missing", "工作流程輸入缺少名稱 name" },
        { "{\"definitionId\": \"x\"}", "$.root", "root.missing", "缺少根活動 root：應為一個 Elsa.Flowchart 流程圖" },
        { "{\"definitionId\": \"x\", \"root\": {\"type\": \"Elsa.Sequence\", \"activities\": []}}", "$.root.type", "root.not-a-flowchart", "根活動的類型必須是「Elsa.Flowchart」，不能是「Elsa.Sequence」" },
        { "{\"definitionId\": \"x\", \"root\": {\"type\": \"Elsa.Flowchart\"}}", "$.root.activities", "root.activities-missing", "流程圖缺少活動清單 activities（JSON 陣列）" },
        { Document(connections: "{}"), "$.root.connections", "root.connections-not-a-list", "連線清單 connections 必須是 JSON 陣列" },
        { new Flow("x").Activity("start", "Elsa.Start").WriteLine("a", "a").WriteLine("b", "b").Chain("start", "a", "b").Connect("b", "a").Json(), "$.root.activities[1]", "flowchart.endless-loop", "迴圈 a → b → a 沒有出口，也沒有會等待的活動，會永遠執行下去" },
        { Document(activities: "5"), "$.root.activities[0]", "activity.not-an-object", "活動必須是 JSON 物件" },
        { Document(activities: "{\"type\": \"Elsa.Start\"}"), "$.root.activities[0].id", "activity.id-missing", "活動缺少代碼 id" },
        { Document(activities: "{\"id\": \"a\"}"), "$.root.activities[0].type", "activity.type-missing", "活動缺少類型 type" },
        { new Flow("x").WriteLine("a", "1").WriteLine("a", "2").Json(), "$.root.activities[1].id", "activity.duplicate-id", "活動代碼「a」重複：第一次用在 $.root.activities[0]" },
        { new Flow("x").Activity("a", "Elsa.Start").Activity("b", "Elsa.Teleport").Chain("a", "b").Json(), "$.root.activities[1].type", "activity.unknown-type", "「Elsa.Teleport」不是已知的活動類型" },
        { new Flow("x").Activity("w", "Elsa.WriteLine").Json(), "$.root.activities[0].text", "activity.input-missing", "Elsa.WriteLine 活動必須設定輸入「text」" },
        { new Flow("x").Activity("start", "Elsa.Start").WriteLine("a", "a").WriteLine("island", "never").Chain("start", "a").Json(), "$.root.activities[2]", "activity.unreachable", "從起始活動「start」沒有連線可以到達活動「island」" },
        { new Flow("x").Activity("start", "Elsa.Start").Nested(new Flow("inner").Activity("inner-start", "Elsa.Start").WriteLine("inner-island", "never").AsFlowchart("nested")).Chain("start", "nested").Json(), "$.root.activities[1].activities[1]", "activity.unreachable", "從起始活動「inner-start」沒有連線可以到達活動「inner-island」" },
        { Document(connections: "[7]"), "$.root.connections[0]", "connection.not-an-object", "連線必須是 JSON 物件" },
        { Document(connections: "[{\"target\": {\"activity\": \"a\", \"port\": \"In\"}}]"), "$.root.connections[0].source", "connection.source-missing", "連線缺少來源活動 source" },
        { Document(connections: "[{\"source\": {\"activity\": \"a\", \"port\": \"Done\"}}]"), "$.root.connections[0].target", "connection.target-missing", "連線缺少目標活動 target" },
        { new Flow("x").WriteLine("a", "1").Connect("ghost", "a").Json(), "$.root.connections[0].source", "connection.unknown-source", "連線的來源「ghost」不是此流程圖中的活動" },
        { new Flow("x").WriteLine("a", "1").Connect("a", "ghost").Json(), "$.root.connections[0].target", "connection.unknown-target", "連線的目標「ghost」不是此流程圖中的活動" },
        {
            new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Literal(true, "Boolean"))).WriteLine("w", "w").Connect("d", "w", "Yes").Json(),
            "$.root.connections[0].source", "connection.unknown-port", "活動「d」（Elsa.FlowDecision）沒有輸出埠「Yes」；它的輸出埠有：True、False"
        },
        { new Flow("x").Activity("end", "Elsa.End").WriteLine("w", "w").Chain("end", "w").Json(), "$.root.connections[0].source", "connection.no-outgoing-ports", "活動「end」（Elsa.End）沒有任何輸出埠，連線不能從它出發" },
        {
            Document(activities: "{\"id\": \"a\", \"type\": \"Elsa.Start\"}, {\"id\": \"b\", \"type\": \"Elsa.End\"}", connections: "[{\"source\": {\"activity\": \"a\", \"port\": \"Done\"}, \"target\": {\"activity\": \"b\", \"port\": \"Side\"}}]"),
            "$.root.connections[0].target", "connection.unknown-target-port", "活動「b」沒有輸入埠「Side」：連線一律從「In」進入"
        },
        {
            new Flow("x").Activity("w", "Elsa.WriteLine", ("text", new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Liquid", ["value"] = "{{ x }}" } })).Json(),
            "$.root.activities[0].text.expression.type", "expression.unsupported-type", "不支援運算式類型「Liquid」：請用 Literal、Variable、Object 或 JavaScript"
        },
        {
            new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Js("getLevel( <= 2"))).Json(),
            "$.root.activities[0].condition.expression.value", "expression.javascript-syntax", "JavaScript 語法錯誤：第 1 行第 11 欄，Unexpected token '<='"
        },
        { new Flow("x").Activity("d", "Elsa.Delay", ("timeSpan", Literal("兩小時", "TimeSpan"))).Json(), "$.root.activities[0].timeSpan", "input.not-a-duration", "輸入「timeSpan」必須是時間長度，例如「02:00:00」、「1.00:00:00」或「PT2H」，「兩小時」不是" },
        { new Flow("x").Activity("t", "Elsa.Timer", ("interval", Literal("-01:00:00", "TimeSpan"))).Json(), "$.root.activities[0].interval", "input.negative-duration", "輸入「interval」的時間長度不能是負的：「-01:00:00」" },
        { new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Literal("是", "Boolean"))).Json(), "$.root.activities[0].condition", "input.not-a-boolean", "輸入「condition」必須是 true 或 false，「是」不是" },
        { new Flow("x").Activity("s", "Elsa.StartAt", ("dateTime", Literal("明天早上", "DateTime"))).Json(), "$.root.activities[0].dateTime", "input.not-a-date-time", "輸入「dateTime」必須是日期時間，例如「2026-11-21T09:00:00+08:00」，「明天早上」不是" },
        {
            new Flow("x").Variable("wait", "TimeSpan", "兩小時").Activity("d", "Elsa.Delay", ("timeSpan", VariableExpr("wait"))).Json(),
            "$.root.activities[0].timeSpan", "input.variable-default-mismatch", "輸入「timeSpan」讀取變數「wait」，但它的預設值「兩小時」不是不為負的時間長度"
        },
        { new Flow("x").Activity("s", "Elsa.FlowSwitch", ("cases", new JsonObject())).Json(), "$.root.activities[0].cases", "switch.cases-not-a-list", "cases 必須是由 label 與 condition 組成的物件清單（JSON 陣列）" },
        {
            new Flow("x").Activity("s", "Elsa.FlowSwitch", ("cases", new JsonArray(new JsonObject { ["condition"] = Js("true") }))).Json(),
            "$.root.activities[0].cases[0].label", "switch.case-label-missing", "分支缺少標籤 label（標籤就是分支的輸出埠名稱）"
        },
        {
            new Flow("x").Activity("s", "Elsa.FlowSwitch", ("cases", new JsonArray(new JsonObject { ["label"] = "High" }))).Json(),
            "$.root.activities[0].cases[0].condition", "switch.case-condition-missing", "分支缺少條件 condition"
        },
        { new Flow("x").Activity("f", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Police\""))).Json(), "$.root.activities[0].branches", "fork.branches-not-json", "分流的 branches 不是有效的 JSON：物件或陣列沒有結束（缺少「}」或「]」）" },
        { new Flow("x").Activity("f", "Elsa.FlowFork", ("branches", ObjectExpr("[]"))).Json(), "$.root.activities[0].branches", "fork.branches-invalid", "分流的 branches 必須是列出輸出埠名稱的非空 JSON 陣列，例如 [\"Police\",\"Liaison\"]" },
        { new Flow("x").Activity("j", "Elsa.FlowJoin", ("mode", Literal("WaitSome"))).Json(), "$.root.activities[0].mode.expression", "join.unknown-mode", "合流模式「WaitSome」無效：只能是 WaitAll 或 WaitAny" },
        { new Flow("x").WriteLine("w", "w").MergeMode("w", "Zip").Json(), "$.root.activities[0].customProperties.mergeMode", "merge.unknown-mode", "合併模式「Zip」無效：只能是 Stream、Merge、Converge、Cascade 或 Race" },
        { new Flow("x").Activity("h", "Elsa.HttpEndpoint", ("path", Literal("orders/{id"))).Json(), "$.root.activities[0].path.expression", "http.invalid-path", "路徑「orders/{id」無效：應為以 / 分隔的段落，參數段落是以大括號包住的名稱" },
        { new Flow("x").Activity("c", "Elsa.Cron", ("cronExpression", Literal("0 9 * *"))).Json(), "$.root.activities[0].cronExpression.expression", "cron.invalid", "排程「0 9 * *」無效：應有 5 或 6 個欄位（分 時 日 月 星期，可在最前面加上秒），卻有 4 個" },
        { new Flow("x").Activity("c", "Elsa.Cron", ("cronExpression", Literal("0 25 * * *"))).CanStartWorkflow("c").Json(), "$.root.activities[0].cronExpression.expression", "cron.invalid", "排程「0 25 * * *」無效：「時」欄位的「25」超出 0 到 23 的範圍" },
        { new Flow("x").Activity("c", "Elsa.Cron", ("cronExpression", Js("'0 9 * * *'", "String"))).CanStartWorkflow("c").Json(), "$.root.activities[0].cronExpression.expression", "cron.trigger-not-literal", "啟動流程的排程必須是固定的文字，不能是運算式：發布時就要算出下一次啟動的時間" },
        {
            new Flow("x").Activity("n", "AntiDrugFlow.NotifyAgency", ("agency", Literal("kee-sch-a")), ("route", Literal("Neighbours")), ("message", Literal("m"))).Json(),
            "$.root.activities[0].route.expression", "route.unknown", $"路由規則「Neighbours」不存在；可用的規則：{string.Join("、", Routes.Names)}"
        },
    };

    [Theory]
    [MemberData(nameof(EveryCode))]
    public void Each_error_has_its_path_its_code_and_a_zh_TW_message_quoting_the_value(string json, string path, string code, string message)
    {
        var errors = _validator.Load(json).Errors;

        Assert.Contains((path, code, message), errors.Select(e => (e.Path, e.Code, e.Message)));
    }

    [Fact]
    public void Every_code_of_the_catalogue_is_produced_by_a_definition_above_or_shown_by_another_test()
    {
        var produced = EveryCode().Select(row => (string)row[2]).Concat(CodesShownElsewhere.Keys).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(ErrorCatalogueTests.CodesOf(typeof(DefinitionErrorKinds)).Append(Workflows.Chains.ChainFaultKinds.RouteUnknown.Code).Order(StringComparer.Ordinal), produced.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Malformed_JSON_counts_the_column_in_characters_so_Chinese_text_before_the_error_does_not_shift_it()
    {
        var error = Assert.Single(_validator.Load("{\"name\": \"通知學校\" x}").Errors);

        Assert.Equal(("$", "json.malformed"), (error.Path, error.Code));
        Assert.Equal("JSON 格式有誤：第 1 行第 17 個字，值的後面出現「x」，應為「,」、「}」或「]」", error.Message);
    }

    [Fact]
    public void A_trailing_comma_is_named_in_zh_TW()
    {
        var error = Assert.Single(_validator.Load("{\"definitionId\": \"x\",\n \"root\": {\"type\": \"Elsa.Flowchart\", \"activities\": [],}}").Errors);

        Assert.Equal("json.malformed", error.Code);
        Assert.StartsWith("JSON 格式有誤：第 2 行", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("最後一個項目後面多了逗號", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_variable_expression_may_name_a_workflow_input_but_not_an_unknown_name()
    {
        var input = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Variable", ["value"] = "level" } };
        var ghost = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Variable", ["value"] = "ghost" } };
        var document = new Flow("x").Activity("w", "Elsa.WriteLine", ("text", input)).Activity("g", "Elsa.WriteLine", ("text", ghost)).Chain("w", "g").Build();
        document["inputs"] = new JsonArray(new JsonObject { ["name"] = "level", ["type"] = "Int32" });

        var error = Assert.Single(_validator.Load(document).Errors);

        Assert.Equal(("$.root.activities[1].text.expression.value", "variable.undeclared", "變數「ghost」沒有在 $.variables 中宣告"), (error.Path, error.Code, error.Message));
    }

    [Fact]
    public void The_exception_of_an_invalid_definition_lists_paths_and_codes_for_the_log()
    {
        var invalid = Assert.Throws<DefinitionValidationException>(() => _validator.LoadOrThrow(new Flow("x").Activity("w", "Elsa.WriteLine").Json()));

        Assert.Equal("The workflow definition is not valid: $.root.activities[0].text activity.input-missing", invalid.Message);
        Assert.Equal("activity.input-missing", Assert.Single(invalid.Errors).Code);
    }

    [Fact]
    public void Fork_ports_come_from_its_branches()
    {
        var flow = new Flow("x")
            .Activity("f", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Police\",\"Liaison\"]")))
            .WriteLine("p", "p").WriteLine("l", "l").WriteLine("o", "o")
            .Connect("f", "p", "Police").Connect("f", "l", "Liaison").Connect("f", "o", "Done");

        var error = Assert.Single(Errors(flow));

        Assert.Equal(("$.root.connections[2].source", "connection.unknown-port", "活動「f」（Elsa.FlowFork）沒有輸出埠「Done」；它的輸出埠有：Police、Liaison"), (error.Path, error.Code, error.Message));
    }

    [Fact]
    public void A_script_with_a_top_level_return_is_valid_as_in_Elsa()
    {
        Assert.Empty(Errors(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Js("var level = getLevel();\nreturn level <= 2;"))).WriteLine("t", "t").Connect("d", "t", "True")));
    }

    [Fact]
    public void A_loop_that_a_decision_can_leave_is_valid()
    {
        var flow = new Flow("x")
            .Variable("n", "Int32", 0)
            .Activity("inc", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "n" }), ("value", Js("getN() + 1")))
            .Activity("more", "Elsa.FlowDecision", ("condition", Js("getN() < 3")))
            .WriteLine("done", "done")
            .Chain("inc", "more").Connect("more", "inc", "True").Connect("more", "done", "False");

        Assert.Empty(Errors(flow));
    }

    [Fact]
    public void A_loop_that_waits_on_a_timer_is_valid()
    {
        var flow = new Flow("x")
            .Activity("start", "Elsa.Start")
            .Activity("remind", "Elsa.WriteLine", ("text", Literal("reminder")))
            .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("1.00:00:00")))
            .Chain("start", "remind", "wait").Connect("wait", "remind");

        Assert.Empty(Errors(flow));
    }

    [Fact]
    public void The_older_flat_connection_form_is_read_too()
    {
        var document = new Flow("x").WriteLine("a", "a").WriteLine("b", "b").Build();
        document["root"]!["connections"] = new JsonArray(new JsonObject { ["source"] = "a", ["target"] = "b", ["sourcePort"] = "Done", ["targetPort"] = "In" });

        var (definition, errors) = _validator.Load(document);

        Assert.Empty(errors);
        Assert.Equal("b", Assert.Single(definition!.Outgoing("a", "Done")).Target);
    }

    private static JsonObject VariableExpr(string name) =>
        new() { ["typeName"] = "TimeSpan", ["expression"] = new JsonObject { ["type"] = "Variable", ["value"] = name } };

    private static string Document(string? definitionId = "x", string activities = "{\"id\": \"a\", \"type\": \"Elsa.Start\"}", string connections = "[]", string? extra = null)
    {
        var id = definitionId is null ? string.Empty : $"\"definitionId\": \"{definitionId}\", ";
        var more = extra is null ? string.Empty : extra + ", ";
        return $"{{{id}{more}\"root\": {{\"type\": \"Elsa.Flowchart\", \"activities\": [{activities}], \"connections\": {connections}}}}}";
    }

    private IReadOnlyList<DefinitionError> Errors(Flow flow) => _validator.Load(flow.Json()).Errors;
}
