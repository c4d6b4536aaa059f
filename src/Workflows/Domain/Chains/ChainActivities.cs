using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>The domain's activities, for the engine's registry (one file each under Activities/), and what several of them share.</summary>
public static class ChainActivities
{
    public static IEnumerable<IActivity> All(Func<AgencyDirectory> directory, ChainOptions options) =>
    [
        new RouteTaskActivity(directory, options), new EscalateActivity(directory), new NotifyAgencyActivity(directory, options),
        new SetCaseStatusActivity(), new StartWorkflowActivity(), new SendAgencyReportActivity(directory),
    ];

    /// <summary>Renders a chain's email; content the message rules refuse faults the step, naming the rule and never the value.</summary>
    internal static T Render<T>(ActivityExecutionContext context, Func<T> render)
    {
        try
        {
            return render();
        }
        catch (MessageContentException ex)
        {
            throw new ActivityFaultException(ChainFaultKinds.MessageRefused, context.Where(ChainInputs.CaseNumber), ex.Message);
        }
    }

    /// <summary>
    /// Tells each of the agency's systems that takes <paramref name="notice"/> (docs/DELIVERY.md: a police case system
    /// takes routed tasks, reminders and escalations, a webhook every notice), one outbox row each, signed at delivery.
    /// The item passes the notice rules first; a refused one faults the step like a refused email.
    /// </summary>
    internal static void NotifySystems(ActivityExecutionContext context, Agency agency, string notice, string taskId, NoticeItem item)
    {
        var systems = AgencySystemNotices.EndpointsOf(agency).Where(e => e.Notices.Contains(notice)).ToList();
        if (systems.Count == 0)
        {
            return;
        }

        Render(context, () =>
        {
            item.Check();
            return item;
        });
        foreach (var system in systems)
        {
            context.Enqueue(AgencySystemNotices.OutboxKind, AgencySystemNotices.Payload(agency.Id, system.System, notice, taskId, [item]));
        }
    }

    /// <summary>The case number an instance serves: its input or variable <c>caseNumber</c>.</summary>
    internal static string CaseNumberOf(ActivityExecutionContext context) =>
        context.Get(ChainInputs.CaseNumber) ?? JsonValues.AsString(context.GetVariable("caseNumber")) ?? context.Instance.CorrelationId ?? context.Instance.Id;

    internal static Agency ResolveAgency(ActivityExecutionContext context, AgencyDirectory directory)
    {
        var route = context.Get(ChainInputs.Route) ?? Routes.Agency;
        var from = context.Get(ChainInputs.Agency) ?? string.Empty;
        try
        {
            return Routes.Resolve(directory, route, from);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ActivityFaultException(ChainFaultKinds.RouteFailed, context.Where(ChainInputs.Agency), route, from, ex.Message);
        }
    }

    internal static void ValidateRoute(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Input(ChainInputs.Route.Name) is { Type: ExpressionTypes.Literal } spec && JsonValues.AsString(spec.Value) is { } route && !Routes.IsKnown(route))
        {
            context.Error(ChainFaultKinds.RouteUnknown, spec.JsonPath, route, string.Join("、", Routes.Names));
        }
    }
}

/// <summary>Inputs several chain activities read, declared once here.</summary>
public static class ChainInputs
{
    /// <summary>The agency an activity acts for or routes from: an agency id, or with <see cref="Route"/> the starting point.</summary>
    public static readonly Input<string> Agency = new("agency", IsRequired: true, DisplayName: "機關");

    /// <summary>How to go from <see cref="Agency"/> to the agency acted on; a literal must name a rule of <see cref="Routes"/>.</summary>
    public static readonly Input<string> Route = new("route", DisplayName: "路由規則");

    public static readonly Input<string> CaseNumber = new("caseNumber", DisplayName: "案號");
}
