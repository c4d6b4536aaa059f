namespace AntiDrugFlow.Workflows.Activities;

/// <summary>The Elsa activities the engine brings, one file each in this folder.</summary>
public static class BuiltInActivities
{
    public static IEnumerable<IActivity> All() =>
    [
        new StartActivity(), new EndActivity(), new FinishActivity(), new WriteLineActivity(), new SetVariableActivity(),
        new FlowDecisionActivity(), new FlowSwitchActivity(), new FlowForkActivity(), new FlowJoinActivity(),
        new DelayActivity(), new TimerActivity(), new StartAtActivity(), new EventActivity(), new PublishEventActivity(),
        new RunTaskActivity(), new SendEmailActivity(), new SendHttpRequestActivity(),
        new SetOutputActivity(), new FaultActivity(), new CompleteActivity(), new RunJavaScriptActivity(),
        new ForEachActivity(), new WhileActivity(), new BreakActivity(),
        new HttpEndpointActivity(), new WriteHttpResponseActivity(), new CronActivity(),
        new ExecuteWorkflowActivity(), new DispatchWorkflowActivity(),
        new FlowchartActivity(), new FlowNodeActivity(), new ParallelForEachActivity(),
    ];
}
