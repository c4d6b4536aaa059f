using AntiDrugFlow.Workflows.Definitions;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// The problems of the chains' activities, beside the engine's catalogues: a definition error
/// (an unknown route) and the faults of routing, agencies, messages and started workflows.
/// docs/ENGINE.md lists them with the engine's.
/// </summary>
public static class ChainFaultKinds
{
    public static readonly ErrorKind RouteUnknown = new(
        "route.unknown", "A literal route of a chain activity names no routing rule; the message lists the rules.",
        "路由規則「{route}」不存在；可用的規則：{routes}", "route", "routes");

    public static readonly ErrorKind RouteFailed = new(
        "route.failed", "The agency directory has no agency for the route from the agency or county given; the reason comes from the directory.",
        "無法依路由規則「{route}」從「{from}」找到機構：{reason}", "route", "from", "reason");

    public static readonly ErrorKind AgencyUnknown = new(
        "agency.unknown", "The agency id is not in the agency directory.",
        "機構代碼「{agency}」不在機構名錄中", "agency");

    public static readonly ErrorKind MessageRefused = new(
        "message.content-refused", "An outgoing message would carry something it may not (a case number or link of the wrong shape, free text that looks like personal data); the reason never quotes the value.",
        "訊息內容不符規定：{reason}", "reason");

    public static readonly ErrorKind StartInputNotAnObject = new(
        "workflow.input-not-an-object", "AntiDrugFlow.StartWorkflow's input is not a JSON object.",
        "要啟動的工作流程的輸入必須是 JSON 物件，但運算結果是{actual}", "actual");
}
