using System.Net;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// Outside the embedded demonstration no demo account exists unless asked for; the first administrator is made on
/// the command line with a password the person chooses, read from the environment or standard input.
/// </summary>
public sealed class FirstAdministratorTests
{
    private const string ChosenPassword = "Long enough and not on any list 7";

    [Fact]
    public async Task A_host_on_a_configured_database_creates_no_demo_accounts_when_nothing_is_said()
    {
        await using var api = await ApiFactory.CreateAsync();
        // The harness turns seeding off; here the setting is left unsaid, as in a fresh production configuration.
        await using var factory = api.WithWebHostBuilder(b => b.UseSetting("Demo:SeedAccounts", null));
        using var client = factory.CreateClient();

        var signIn = await AccountsHost.LoginAsync(client, "admin", DemoOptions.DefaultPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        using var scope = factory.Services.CreateScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<Account>>().FindByNameAsync("admin"));
        Assert.Equal("false", factory.Services.GetRequiredService<IConfiguration>()["Demo:SeedAccounts"]);
    }

    [Fact]
    public async Task The_command_line_creates_the_first_administrator_with_a_password_from_standard_input_and_only_the_first()
    {
        await using var api = await ApiFactory.CreateAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:AntiDrugFlow"] = api.ConnectionString,
            ["DataProtection:AllowUnencryptedKeys"] = "true",
            ["Workflows:Directory"] = Directory.CreateTempSubdirectory("adf-cli-").FullName,
        }).Build();

        var asArgument = await RunAsync(configuration, string.Empty, "accounts", "create-admin", "chief", ChosenPassword);
        var first = await RunAsync(configuration, ChosenPassword + "\n", "accounts", "create-admin", "chief");
        var second = await RunAsync(configuration, ChosenPassword + "\n", "accounts", "create-admin", "deputy");

        Assert.True(asArgument.Code == CommandLine.Usage, asArgument.Error);
        Assert.True(first.Code == CommandLine.Ok, first.Error);
        Assert.Equal(CommandLine.Failed, second.Code);
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await AccountsHost.LoginAsync(client, "chief", ChosenPassword)).StatusCode);
        var me = await AccountsHost.BodyAsync(await client.GetAsync("/api/account/me"));
        Assert.False(me["mustChangePassword"]!.GetValue<bool>());
        Assert.Contains("administrator", me["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_command_line_refuses_a_password_the_policy_refuses_and_takes_one_from_the_environment()
    {
        await using var api = await ApiFactory.CreateAsync();
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:AntiDrugFlow"] = api.ConnectionString,
            ["DataProtection:AllowUnencryptedKeys"] = "true",
            ["Workflows:Directory"] = Directory.CreateTempSubdirectory("adf-cli-").FullName,
            [CreateAdministratorCommand.PasswordVariable] = "short",
        };

        var weak = await RunAsync(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), string.Empty, "accounts", "create-admin", "chief");
        values[CreateAdministratorCommand.PasswordVariable] = ChosenPassword;
        var strong = await RunAsync(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), string.Empty, "accounts", "create-admin", "chief");

        Assert.True(weak.Code == CommandLine.Failed, weak.Error);
        Assert.DoesNotContain("short", weak.Error, StringComparison.Ordinal);
        Assert.True(strong.Code == CommandLine.Ok, strong.Error);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(IConfiguration configuration, string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error, CancellationToken.None, configuration, new StringReader(input));
        return (code, output.ToString(), error.ToString());
    }
}
