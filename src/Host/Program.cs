using AntiDrugFlow.Host;
using AntiDrugFlow.Host.Cli;

if (args.Length > 0 && CommandLine.IsVerb(args[0]))
{
    return await CommandLine.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
}

var builder = WebApplication.CreateBuilder(args.SkipWhile(a => a == "serve").ToArray());
await builder.AddAntiDrugFlowAsync();
var app = builder.Build();
await app.PrepareDatabaseAsync();
app.MapAntiDrugFlow();
await app.RunAsync();
return 0;

/// <summary>Lets tests start the web host in-process.</summary>
public partial class Program;
