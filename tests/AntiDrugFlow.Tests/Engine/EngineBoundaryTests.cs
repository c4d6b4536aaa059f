using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The arrows between the projects point one way (Host → Integrations → Domain → Engine): the engine knows no domain and no
/// ASP.NET, the domain no ASP.NET and nothing above it. Checked in the project files and in the compiled assemblies.
/// </summary>
public sealed partial class EngineBoundaryTests
{
    private static readonly Assembly EngineAssembly = typeof(WorkflowExecutor).Assembly;
    private static readonly Assembly DomainAssembly = typeof(TipOffChainInput).Assembly;

    [Fact]
    public void The_engine_project_references_no_other_project_and_nothing_of_ASP_NET()
    {
        var project = Project("src/Workflows/Engine/AntiDrugFlow.Workflows.Engine.csproj");

        Assert.Empty(References(project, "ProjectReference"));
        Assert.Empty(References(project, "FrameworkReference"));
        Assert.DoesNotContain(References(project, "PackageReference"), name => name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_engine_assembly_loads_no_domain_integration_host_or_ASP_NET_assembly()
    {
        var referenced = EngineAssembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains(referenced, name => name.Equals("Jint", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(referenced, name => name.StartsWith("AntiDrugFlow.", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, name => name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void No_type_of_the_engine_is_named_after_the_anti_drug_domain()
    {
        var types = EngineAssembly.GetTypes().Where(t => !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)));

        var offending = types.Select(t => t.FullName!).Where(name => DomainWord().IsMatch(name)).ToList();

        Assert.NotEmpty(types);
        Assert.Empty(offending);
    }

    [Fact]
    public void The_domain_project_references_only_the_engine_and_nothing_of_ASP_NET()
    {
        var project = Project("src/Workflows/Domain/AntiDrugFlow.Workflows.Domain.csproj");

        Assert.Equal(["../Engine/AntiDrugFlow.Workflows.Engine.csproj"], References(project, "ProjectReference"));
        Assert.Empty(References(project, "FrameworkReference"));
        Assert.DoesNotContain(References(project, "PackageReference"), name => name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_domain_assembly_loads_the_engine_but_no_integration_host_or_ASP_NET_assembly()
    {
        var referenced = DomainAssembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains(EngineAssembly.GetName().Name!, referenced);
        Assert.DoesNotContain(referenced, name => name.StartsWith("AntiDrugFlow.", StringComparison.Ordinal) && name != EngineAssembly.GetName().Name);
        Assert.DoesNotContain(referenced, name => name.Contains("AspNetCore", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_domain_word_check_recognises_the_domain_names_it_guards_against()
    {
        Assert.All(
            ["AntiDrugFlow.Workflows.Cases.CaseService", "AntiDrugFlow.Workflows.Agencies.AgencyKind", "X.SchoolRoute", "X.PoliceOutcome", "X.TipOffChainInput", "X.MilestoneTracker", "X.Chains.Routes"],
            name => Assert.Matches(DomainWord(), name));
        Assert.All(["AntiDrugFlow.Workflows.Runtime.WorkflowExecutor", "X.Lowercase", "X.Showcase", "X.Chainable"], name => Assert.DoesNotMatch(DomainWord(), name));
    }

    private static XDocument Project(string relativePath) =>
        XDocument.Load(Path.Combine(Host.Infrastructure.ProjectPaths.Root(), relativePath));

    private static List<string> References(XDocument project, string element) =>
        [.. project.Descendants(element).Select(e => (string?)e.Attribute("Include") ?? (string?)e.Attribute("Update") ?? string.Empty)];

    // Words of the anti-drug domain as whole parts of a PascalCase name or namespace (TipOffChainInput, Cases.CaseService).
    [GeneratedRegex(@"(Cases?|Agency|Agencies|Schools?|Police|Chains?|Milestones?)(?![a-z])", RegexOptions.CultureInvariant)]
    private static partial Regex DomainWord();
}
