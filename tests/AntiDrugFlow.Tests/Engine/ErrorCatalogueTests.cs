using System.Reflection;
using System.Text.RegularExpressions;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The catalogues of error codes (definition errors and run-time faults), found by reflection over
/// every assembly of the product: each code has a zh-TW message, and docs/ENGINE.md lists each one as it is.
/// </summary>
public sealed partial class ErrorCatalogueTests
{
    private static readonly Assembly[] Product = [typeof(ErrorKind).Assembly, typeof(Workflows.Chains.ChainFaultKinds).Assembly, typeof(NoticeFaultKinds).Assembly, typeof(Host.Cli.CommandLine).Assembly];

    /// <summary>Every <see cref="ErrorKind"/> declared as a static field anywhere in the product, with the class that declares it.</summary>
    public static IReadOnlyList<(Type Catalogue, ErrorKind Kind)> AllKinds() =>
        [.. Product.SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.FieldType == typeof(ErrorKind)).Select(f => (t, (ErrorKind)f.GetValue(null)!)))];

    public static IEnumerable<string> CodesOf(Type catalogue) => AllKinds().Where(k => k.Catalogue == catalogue).Select(k => k.Kind.Code);

    [Fact]
    public void The_catalogues_are_the_definition_errors_the_engine_faults_the_chain_faults_and_the_notice_faults()
    {
        Assert.Equal(
            new HashSet<Type> { typeof(DefinitionErrorKinds), typeof(FaultKinds), typeof(Workflows.Chains.ChainFaultKinds), typeof(NoticeFaultKinds) },
            AllKinds().Select(k => k.Catalogue).ToHashSet());
        Assert.True(CodesOf(typeof(DefinitionErrorKinds)).Count() >= 40);
    }

    [Fact]
    public void Every_code_is_unique_lower_case_and_dotted()
    {
        var codes = AllKinds().Select(k => k.Kind.Code).ToList();

        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches(CodeShape(), code));
    }

    [Fact]
    public void Every_code_has_a_zh_TW_message_whose_placeholders_are_exactly_its_parameters()
    {
        Assert.All(AllKinds(), entry =>
        {
            var kind = entry.Kind;
            Assert.True(ChineseCharacter().IsMatch(kind.Message), $"{kind.Code}: the message has no Chinese: {kind.Message}");
            Assert.Equal(kind.Parameters.Order(StringComparer.Ordinal), kind.Placeholders.Distinct().Order(StringComparer.Ordinal));
            Assert.False(string.IsNullOrWhiteSpace(kind.Meaning), $"{kind.Code} has no meaning");
            Assert.DoesNotMatch(ChineseCharacter(), kind.Meaning);
        });
    }

    [Fact]
    public void A_formatted_message_keeps_no_placeholder_and_quotes_each_value_once()
    {
        Assert.All(AllKinds(), entry =>
        {
            var kind = entry.Kind;
            var values = kind.Parameters.Select(p => $"<{p}-value>").ToArray();

            var text = kind.Format(values);

            Assert.DoesNotMatch(@"\{[A-Za-z]+\}", text);
            Assert.All(values, v => Assert.Contains(v, text, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void A_value_that_looks_like_a_placeholder_is_not_filled_in_again()
    {
        var text = DefinitionErrorKinds.ActivityUnreachable.Format("{id}", "island");

        Assert.Equal("從起始活動「{id}」沒有連線可以到達活動「island」", text);
    }

    [Fact]
    public void Formatting_with_the_wrong_number_of_values_is_refused()
    {
        var refused = Assert.Throws<ArgumentException>(() => DefinitionErrorKinds.ConnectionTargetUnknown.Format());

        Assert.Contains("connection.unknown-target takes 1 value(s) (target)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_ENGINE_md_lists_every_code_with_its_meaning_and_its_zh_TW_message()
    {
        var rows = File.ReadAllLines(Path.Combine(Host.Infrastructure.ProjectPaths.Root(), "docs", "ENGINE.md"))
            .Select(line => DocsRow().Match(line))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["code"].Value, m => (Meaning: m.Groups["meaning"].Value.Trim(), Message: m.Groups["message"].Value.Trim()), StringComparer.Ordinal);

        Assert.Equal(AllKinds().Select(k => k.Kind.Code).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(AllKinds(), entry =>
        {
            var (meaning, message) = rows[entry.Kind.Code];
            Assert.Equal(entry.Kind.Meaning, meaning);
            Assert.Equal(entry.Kind.Message, message.Replace("\\|", "|", StringComparison.Ordinal));
        });
    }

    [GeneratedRegex(@"^[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)*$")]
    private static partial Regex CodeShape();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex ChineseCharacter();

    [GeneratedRegex(@"^\| `(?<code>[a-z.-]+)` \| (?<meaning>.+?) \| (?<message>.+) \|$")]
    private static partial Regex DocsRow();
}
