using AntiDrugFlow.Workflows.Definitions;

namespace AntiDrugFlow.Workflows.Runtime;

/// <summary>
/// Why a running instance faulted, for the faults the engine and its activities raise: the instance page
/// shows the zh-TW message after the activity and the JSON path at fault. docs/ENGINE.md lists them.
/// Values an expression produced are described by their kind only: they may hold a minor's data.
/// </summary>
public static class FaultKinds
{
    public static readonly ErrorKind StepLimit = new(
        "run.step-limit", "One run executed more activities than Engine:MaxStepsPerRun allows: the loop named kept running without waiting.",
        "單次執行超過 {limit} 個活動的上限：迴圈 {loop} 一直執行而沒有等待", "limit", "loop");

    public static readonly ErrorKind ValueRequired = new(
        "expression.value-required", "An input that must have a value evaluated to nothing or to empty text.",
        "這個輸入必須有值，但運算結果是空的");

    public static readonly ErrorKind VariableNameMissing = new(
        "expression.variable-name-missing", "A Variable expression names no variable.",
        "Variable 運算式缺少變數名稱");

    public static readonly ErrorKind ObjectNotJson = new(
        "expression.object-not-json", "The text of an Object expression is not JSON.",
        "Object 運算式不是有效的 JSON：{reason}", "reason");

    public static readonly ErrorKind NotABoolean = new(
        "expression.not-a-boolean", "A condition evaluated to something other than true or false.",
        "應為 true 或 false，但運算結果是{actual}", "actual");

    public static readonly ErrorKind NotADuration = new(
        "expression.not-a-duration", "A duration input evaluated to something that is not a TimeSpan or an ISO 8601 duration.",
        "運算結果（{actual}）不是時間長度；請用例如「1.00:00:00」、「02:00:00」或「PT2H」", "actual");

    public static readonly ErrorKind NotADateTime = new(
        "expression.not-a-date-time", "A date input evaluated to something that is not an ISO 8601 date and time.",
        "運算結果（{actual}）不是日期時間；請用 ISO 8601 格式，例如「2026-11-21T09:00:00+08:00」", "actual");

    public static readonly ErrorKind JavaScriptFailed = new(
        "expression.javascript-failed", "The script threw an error; the reason is the interpreter's own (English).",
        "JavaScript 執行失敗：{reason}", "reason");

    public static readonly ErrorKind JavaScriptStatementLimit = new(
        "expression.javascript-statement-limit", "The script ran more statements than the sandbox allows (a loop that does not end).",
        "JavaScript 執行超過 {limit} 個陳述式的上限，已中止（可能是無窮迴圈）", "limit");

    public static readonly ErrorKind JavaScriptTimeout = new(
        "expression.javascript-timeout", "The script ran longer than the sandbox allows.",
        "JavaScript 執行超過 {milliseconds} 毫秒的時間上限，已中止", "milliseconds");

    public static readonly ErrorKind JavaScriptRecursionLimit = new(
        "expression.javascript-recursion-limit", "The script nested function calls deeper than the sandbox allows.",
        "JavaScript 函式呼叫超過 {limit} 層的上限，已中止（可能是無窮遞迴）", "limit");

    public static readonly ErrorKind JavaScriptMemoryLimit = new(
        "expression.javascript-memory-limit", "The script allocated more memory, or a larger array, than the sandbox allows.",
        "JavaScript 使用的記憶體超過 {bytes} 位元組或陣列超過 {elements} 個元素的上限，已中止", "bytes", "elements");

    public static readonly ErrorKind JavaScriptRegexTimeout = new(
        "expression.javascript-regex-timeout", "A regular expression ran longer than the sandbox allows (catastrophic backtracking).",
        "JavaScript 的正規表示式比對超過 {milliseconds} 毫秒的上限，已中止（請簡化這個正規表示式）", "milliseconds");

    public static readonly ErrorKind JavaScriptEvalRefused = new(
        "expression.javascript-eval-refused", "The script tried to compile a string as code (eval, new Function), which the sandbox refuses.",
        "JavaScript 不允許用 eval 或 new Function 把字串當成程式執行");

    public static readonly ErrorKind EmailNoRecipient = new(
        "email.no-recipient", "Elsa.SendEmail has no address to send to.",
        "沒有收件人：to 的運算結果是空的");

    public static readonly ErrorKind HttpAddressInvalid = new(
        "http.invalid-url", "Elsa.SendHttpRequest's url is not an absolute http or https address.",
        "運算結果不是完整的 http 或 https 網址");

    public static readonly ErrorKind ChildDefinitionNotPublished = new(
        "workflow.child-not-published", "A sub-workflow (Elsa.ExecuteWorkflow, Elsa.DispatchWorkflow, a definition used as an activity) names a definition with no published version.",
        "子工作流程「{definitionId}」沒有發布中的版本", "definitionId");

    public static readonly ErrorKind Raised = new(
        "workflow.fault", "An Elsa.Fault activity faulted the workflow on purpose; the message is the definition's own.",
        "流程依定義中止：{message}", "message");
}

/// <summary>A fault that ends the instance: its kind, the JSON path of the input at fault (if any) and the zh-TW description.</summary>
public abstract class WorkflowFaultException : Exception
{
    protected WorkflowFaultException(ErrorKind kind, string? path, string[] values, Exception? inner)
        : base(path is null ? kind.Code : $"{kind.Code} at {path}", inner)
    {
        Kind = kind;
        Path = path;
        Description = kind.Format(values);
    }

    public ErrorKind Kind { get; }

    public string? Path { get; }

    /// <summary>The zh-TW message, without the path.</summary>
    public string Description { get; }
}

/// <summary>An activity could not do its work; the instance faults with this kind at this path.</summary>
public sealed class ActivityFaultException(ErrorKind kind, string? path, params string[] values) : WorkflowFaultException(kind, path, values, null);

/// <summary>What faulted a step, for the log: the code, the activity and the path (never the message, which may quote data).</summary>
public sealed record StepFault(string Code, string ActivityId, string? Path);
