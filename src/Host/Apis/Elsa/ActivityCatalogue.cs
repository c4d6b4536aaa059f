namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>How an input looks in a designer: its Elsa type name, zh-TW label, editor hint and help.</summary>
public sealed record InputText(string TypeName, string DisplayName, string UiHint, string? Description = null, IReadOnlyList<string>? Options = null);

/// <summary>How an activity shows in a designer's palette.</summary>
public sealed record ActivityText(
    string Category, string DisplayName, string Description, string Kind,
    IReadOnlyDictionary<string, InputText> Inputs, IReadOnlyDictionary<string, string>? Outputs = null);

/// <summary>
/// The palette's words for every activity the engine knows. The engine declares what an activity reads
/// and where it may go (its inputs and ports); what a person reads about it is the host's business,
/// so the zh-TW names and categories live here.
/// </summary>
public static class ActivityCatalogue
{
    public const string OtherCategory = "其他";

    private static InputText Text(string label, string? help = null) => new("String", label, "singleline", help);
    private static InputText Lines(string label, string? help = null) => new("String", label, "multiline", help);
    private static InputText Json(string label, string? help = null) => new("Object", label, "json-editor", help);
    private static InputText Duration(string label, string? help = null) => new("TimeSpan", label, "singleline", help ?? "例如 1.00:00:00、02:00:00 或 PT2H");
    /// <summary>An agency id: the designer offers the agency directory.</summary>
    private static InputText Agency(string label, string? help = null) => new("String", label, "agency-picker", help ?? "機構代碼，或搭配路由規則的起點");

    private static InputText Choice(string label, params string[] options) => new("String", label, "dropdown", null, options);

    private static readonly Dictionary<string, string> Result = new() { ["result"] = "結果" };

    public static readonly IReadOnlyDictionary<string, ActivityText> Activities = new Dictionary<string, ActivityText>(StringComparer.Ordinal)
    {
        ["Elsa.Start"] = new("流程控制", "開始", "工作流程從這裡開始。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.End"] = new("流程控制", "結束", "流程圖到此結束：工作流程立即完成，仍在執行或等待的分支一併取消。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.Finish"] = new("流程控制", "完成流程", "立即完成整個工作流程，並取消仍在等待的分支。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.WriteLine"] = new("基本", "寫入日誌", "把一行文字寫入執行紀錄。", "Action", new Dictionary<string, InputText> { ["text"] = Lines("文字") }),
        ["Elsa.SetVariable"] = new("基本", "設定變數", "把運算結果存入工作流程變數。", "Action", new Dictionary<string, InputText>
        {
            ["variable"] = new("Object", "變數", "variable-picker"),
            ["value"] = Json("值"),
        }),
        ["Elsa.FlowDecision"] = new("流程控制", "判斷", "依條件為真或假，從 True 或 False 離開。", "Action", new Dictionary<string, InputText>
        {
            ["condition"] = new("Boolean", "條件", "singleline", "運算結果必須是 true 或 false"),
        }),
        ["Elsa.FlowSwitch"] = new("流程控制", "多重分支", "依各分支的條件選擇出口；都不符合時從 Default 離開。", "Action", new Dictionary<string, InputText>
        {
            ["cases"] = new("Object", "分支", "flow-switch-editor", "由 label 與 condition 組成的清單，label 就是輸出埠名稱"),
            ["mode"] = Choice("比對方式", "MatchFirst", "MatchAny"),
        }),
        ["Elsa.FlowFork"] = new("流程控制", "分流", "同時從多個輸出埠出發，平行執行。", "Action", new Dictionary<string, InputText>
        {
            ["branches"] = Json("分支", "輸出埠名稱的 JSON 陣列，例如 [\"Police\",\"Liaison\"]"),
        }),
        ["Elsa.FlowJoin"] = new("流程控制", "合流", "等候進入的分支：WaitAll 等全部到齊，WaitAny 等第一個並取消其他分支。", "Action", new Dictionary<string, InputText>
        {
            ["mode"] = Choice("合流模式", "WaitAll", "WaitAny"),
        }),
        ["Elsa.ExecuteWorkflow"] = new("組合", "執行子流程", "以另一個已發布的工作流程建立子流程並執行；可等它結束，取得其輸出。", "Task", new Dictionary<string, InputText>
        {
            ["workflowDefinitionId"] = Text("工作流程定義代碼"),
            ["input"] = Json("輸入"),
            ["correlationId"] = Text("關聯代碼"),
            ["waitForCompletion"] = new("Boolean", "等待完成", "checkbox", "勾選時等子流程結束才繼續"),
        }, Result),
        ["Elsa.DispatchWorkflow"] = new("組合", "派送子流程", "以另一個已發布的工作流程建立子流程；不等待時立即繼續，等待時於子流程結束後繼續。", "Action", new Dictionary<string, InputText>
        {
            ["workflowDefinitionId"] = Text("工作流程定義代碼"),
            ["input"] = Json("輸入"),
            ["correlationId"] = Text("關聯代碼"),
            ["waitForCompletion"] = new("Boolean", "等待完成", "checkbox", "勾選時等子流程結束才繼續"),
        }, Result),
        ["Elsa.Delay"] = new("排程", "延遲", "等待一段時間後繼續。", "Action", new Dictionary<string, InputText> { ["timeSpan"] = Duration("時間長度") }),
        ["Elsa.Timer"] = new("排程", "計時器", "每隔一段時間觸發一次；在流程中等待一個間隔。", "Trigger", new Dictionary<string, InputText> { ["interval"] = Duration("間隔") }),
        ["Elsa.StartAt"] = new("排程", "指定時間", "等到指定的日期時間後繼續。", "Trigger", new Dictionary<string, InputText>
        {
            ["dateTime"] = new("DateTime", "日期時間", "datetime-picker", "ISO 8601，例如 2026-11-21T09:00:00+08:00"),
        }),
        ["Elsa.Event"] = new("事件", "等候事件", "等候指定名稱的事件發生；有關聯代碼時只接受同一關聯的事件。", "Trigger",
            new Dictionary<string, InputText> { ["eventName"] = Text("事件名稱") }, Result),
        ["Elsa.PublishEvent"] = new("事件", "發布事件", "發布事件，喚醒正在等候它的工作流程。", "Action", new Dictionary<string, InputText>
        {
            ["eventName"] = Text("事件名稱"),
            ["correlationId"] = Text("關聯代碼"),
            ["payload"] = Json("事件資料"),
        }),
        ["Elsa.RunTask"] = new("人工作業", "人工作業", "建立一項待辦工作，等候人員完成後繼續。", "Task", new Dictionary<string, InputText>
        {
            ["taskName"] = Text("工作名稱"),
            ["payload"] = Json("工作資料"),
        }, Result),
        ["Elsa.SendEmail"] = new("通訊", "寄送電子郵件", "寄出電子郵件（交付前先寫入待送信件匣，不會重複寄送）。", "Action", new Dictionary<string, InputText>
        {
            ["to"] = Text("收件人"),
            ["from"] = Text("寄件人"),
            ["cc"] = Text("副本"),
            ["bcc"] = Text("密件副本"),
            ["subject"] = Text("主旨"),
            ["body"] = Lines("內容"),
        }),
        ["Elsa.SendHttpRequest"] = new("通訊", "送出 HTTP 請求", "呼叫外部系統（交付前先寫入待送信件匣，附冪等鍵）。", "Action", new Dictionary<string, InputText>
        {
            ["url"] = new("Uri", "網址", "singleline", "完整的 http 或 https 網址"),
            ["method"] = Choice("方法", "GET", "POST", "PUT", "PATCH", "DELETE"),
            ["content"] = Json("內容"),
            ["contentType"] = Text("內容類型"),
            ["requestHeaders"] = Json("請求標頭"),
        }),
        ["Elsa.Break"] = new("流程控制", "跳出迴圈", "結束所在的迴圈，迴圈從 Done 離開。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.Complete"] = new("流程控制", "完成並回報結果", "以指定的結果完成工作流程。", "Action", new Dictionary<string, InputText> { ["outcomes"] = Json("結果") }),
        ["Elsa.Fault"] = new("流程控制", "標記錯誤", "讓工作流程以錯誤結束，留下錯誤訊息與代碼。", "Action", new Dictionary<string, InputText>
        {
            ["message"] = Text("錯誤訊息"),
            ["code"] = Text("錯誤代碼"),
        }),
        ["Elsa.ForEach"] = new("流程控制", "逐項處理", "對清單中的每一項從 Iterate 執行一次，全部處理完從 Done 離開。", "Action", new Dictionary<string, InputText> { ["items"] = Json("項目") }),
        ["Elsa.ParallelForEach"] = new("流程控制", "平行逐項處理", "對清單中的每一項同時執行一次主體（各自的 CurrentValue），全部完成後從 Done 離開。", "Action", new Dictionary<string, InputText> { ["items"] = Json("項目") }),
        ["Elsa.Flowchart"] = new("組合", "內嵌流程圖", "在流程圖中放入另一張流程圖；它的活動全部結束（或遇到完成、結束）後從 Done 離開。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.FlowNode"] = new("組合", "流程節點", "執行其主體（通常是一張流程圖），主體結束後從 Done 離開。", "Action", new Dictionary<string, InputText>()),
        ["Elsa.While"] = new("流程控制", "條件迴圈", "條件為真時從 Iterate 重複執行，為假時從 Done 離開。", "Action", new Dictionary<string, InputText>
        {
            ["condition"] = new("Boolean", "條件", "singleline", "運算結果必須是 true 或 false"),
        }),
        ["Elsa.Cron"] = new("排程", "定期排程", "依排程運算式（台北時間）定期觸發。", "Trigger", new Dictionary<string, InputText>
        {
            ["cronExpression"] = Text("排程", "分 時 日 月 星期（台北時間），例如 0 9 * * 1-5"),
        }),
        ["Elsa.RunJavaScript"] = new("基本", "執行 JavaScript", "執行一段 JavaScript，可讀寫工作流程變數。", "Action", new Dictionary<string, InputText> { ["script"] = new("String", "JavaScript 程式", "code-editor") }),
        ["Elsa.SetOutput"] = new("基本", "設定輸出", "設定工作流程的一項輸出。", "Action", new Dictionary<string, InputText>
        {
            ["outputName"] = Text("輸出名稱"),
            ["outputValue"] = Json("輸出值"),
        }),
        ["Elsa.HttpEndpoint"] = new("HTTP", "HTTP 端點", "在 /workflows 下接收 HTTP 請求，啟動或喚醒工作流程。", "Trigger", new Dictionary<string, InputText>
        {
            ["path"] = Text("路徑", "相對於 /workflows 的路徑，例如 orders/{id}"),
            ["supportedMethods"] = Json("HTTP 方法", "例如 [\"GET\",\"POST\"]；未設定時為 GET"),
            ["authorize"] = new("Boolean", "需要登入", "checkbox"),
            ["policy"] = Text("授權原則"),
            ["allowAnonymous"] = new("Boolean", "允許匿名", "checkbox", "true 時不需登入即可呼叫"),
        }),
        ["Elsa.WriteHttpResponse"] = new("HTTP", "回應 HTTP 請求", "回覆觸發工作流程的 HTTP 請求。", "Action", new Dictionary<string, InputText>
        {
            ["statusCode"] = Text("狀態碼", "數字或名稱（201、Created），未設定時為 200"),
            ["content"] = Json("內容"),
            ["contentType"] = Text("內容類型"),
            ["responseHeaders"] = Json("回應標頭"),
        }),
        ["AntiDrugFlow.SendNotice"] = new("反毒通報", "送出通知", "依通知種類送出固定用語的通知給機關系統（經待送信件匣）。", "Action", new Dictionary<string, InputText>
        {
            ["agencyId"] = Agency("機關代碼"),
            ["notice"] = Text("通知種類"),
            ["caseNumber"] = Text("案號"),
            ["task"] = Text("工作代碼"),
            ["deadline"] = Text("期限"),
            ["link"] = Text("連結"),
            ["taskId"] = Text("工作編號"),
            ["items"] = Json("多筆通知"),
        }),
        ["AntiDrugFlow.RouteTask"] = new("反毒通報", "交辦機關", "依機構名錄把工作交給機關：放入其待辦、寄信通知、期限前提醒；機關處理後從 Done 離開，逾期從 Overdue 離開。", "Task", new Dictionary<string, InputText>
        {
            ["agency"] = Agency("機關"),
            ["route"] = Text("路由規則", "從 agency 找出承辦機關的規則"),
            ["taskName"] = Text("工作名稱"),
            ["taskKind"] = Text("工作類別"),
            ["dueIn"] = Duration("處理期限"),
            ["remindBefore"] = Duration("期限前提醒"),
            ["outcomes"] = Json("可選的處理結果"),
            ["caseNumber"] = Text("案號"),
            ["escalated"] = new("Boolean", "是否為上陳", "checkbox"),
        }, new Dictionary<string, string> { ["assignee"] = "承辦機關", ["result"] = "機關的回覆" }),
        ["AntiDrugFlow.Escalate"] = new("反毒通報", "上陳上級機關", "找出上一級機關；已是最上級時從 Top 離開。", "Action", new Dictionary<string, InputText>
        {
            ["agency"] = Agency("機關"),
        }, new Dictionary<string, string> { ["next"] = "上級機關" }),
        ["AntiDrugFlow.NotifyAgency"] = new("反毒通報", "通知機關", "以電子郵件通知機關（內容不得含個人資料）。", "Action", new Dictionary<string, InputText>
        {
            ["agency"] = Agency("機關"),
            ["route"] = Text("路由規則"),
            ["message"] = Lines("通知內容"),
            ["caseNumber"] = Text("案號"),
        }),
        ["AntiDrugFlow.SetCaseStatus"] = new("反毒通報", "設定案件狀態", "更新案件的處理狀態。", "Action", new Dictionary<string, InputText>
        {
            ["status"] = Text("案件狀態"),
        }),
        ["AntiDrugFlow.StartWorkflow"] = new("反毒通報", "啟動工作流程", "啟動另一個已發布的工作流程（不會重複啟動）。", "Action", new Dictionary<string, InputText>
        {
            ["definitionId"] = Text("定義代碼"),
            ["input"] = Json("輸入"),
            ["correlationId"] = Text("關聯代碼"),
        }),
        ["AntiDrugFlow.SendAgencyReport"] = new("反毒通報", "送交機關系統", "把案件報告送到機關的資訊系統；機關沒有該系統時從 NotConfigured 離開。", "Action", new Dictionary<string, InputText>
        {
            ["agency"] = Agency("機關"),
            ["route"] = Text("路由規則"),
            ["system"] = Text("機關系統"),
            ["reportKind"] = Text("報告類別"),
            ["caseNumber"] = Text("案號"),
            ["dueAt"] = new("DateTime", "期限", "datetime-picker"),
        }),
    };
}
