using AntiDrugFlow.Workflows.Access;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>How a name shows outside the case's team: the family name and ○ for the rest.</summary>
public sealed class NameMaskTests
{
    [Theory]
    [InlineData("王小明", "王○○")]
    [InlineData("歐陽娜娜", "歐○○○")]
    [InlineData(" 林美 ", "林○○")]
    [InlineData("王", "王○○")]
    public void A_name_keeps_only_its_first_character(string name, string masked) =>
        Assert.Equal(masked, NameMask.Mask(name));

    [Fact]
    public void A_single_character_name_still_hides_how_long_the_name_is() =>
        Assert.Equal(NameMask.Mask("陳"), NameMask.Mask("陳大文"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_name_masks_to_nothing(string? name) =>
        Assert.Equal(string.Empty, NameMask.Mask(name));
}
