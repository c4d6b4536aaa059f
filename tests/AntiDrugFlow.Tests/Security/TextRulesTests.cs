using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Workflows.Messages;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>The one rule for control characters, as the JSON guard, task notes and display names apply it.</summary>
public sealed class TextRulesTests
{
    [Theory]
    [InlineData("王小明的輔導紀錄😀", true, true, true)]
    [InlineData("第一行\r\n第二行\t結尾", true, true, false)]
    [InlineData("鈴聲\u0007", true, false, false)]
    [InlineData("a\u0000b", false, false, false)]
    public void Each_shape_allows_what_it_says(string text, bool storable, bool multiLine, bool singleLine)
    {
        Assert.Equal(storable, TextRules.Allows(text, TextShape.Storable));
        Assert.Equal(multiLine, TextRules.Allows(text, TextShape.MultiLine));
        Assert.Equal(singleLine, TextRules.Allows(text, TextShape.SingleLine));
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused_in_every_shape()
    {
        // Not theory data: a lone surrogate does not survive the test runner's serialization.
        foreach (var text in new[] { "a\ud800b", "\udc00", "\ud83d" })
        {
            Assert.All(Enum.GetValues<TextShape>(), shape => Assert.False(TextRules.Allows(text, shape)));
        }
    }

    [Fact]
    public void The_reasons_are_chinese_name_the_kind_of_character_and_never_quote_the_text()
    {
        Assert.Equal("不可含 NUL 字元（\\u0000）。", TextRules.Problem("王小明\0", TextShape.SingleLine));
        Assert.Equal("不可含不成對的代理字元（無效的 Unicode 文字）。", TextRules.Problem("王小明\ud800", TextShape.MultiLine));
        Assert.Equal("不可含控制字元（換行與定位字元除外）。", TextRules.Problem("王小明\u001b", TextShape.MultiLine));
        Assert.Equal("不可含換行、定位字元或其他控制字元。", TextRules.Problem("王小明\n", TextShape.SingleLine));
        Assert.Null(TextRules.Problem(null, TextShape.SingleLine));
    }

    [Fact]
    public void A_page_form_with_an_escaped_NUL_is_read_with_the_NUL_kept_so_the_page_can_name_the_field()
    {
        var form = PageFormText.Parse("Form.DisplayName=%E5%80%BC%E7%8F%AD%00+%E8%AD%A6&Form.Roles=a&Form.Roles=b&empty");

        Assert.Equal("值班\0 警", form["Form.DisplayName"].ToString());
        Assert.Equal("a,b", form["Form.Roles"].ToString());
        Assert.Equal(string.Empty, form["empty"].ToString());
    }

    [Fact]
    public void The_api_guard_answers_with_the_rules_reason()
    {
        Assert.Equal(("$.note", TextRules.Problem("\0", TextShape.Storable)!), ApiRequestGuard.FirstInvalidText("""{"note":"a\u0000"}"""u8));
        Assert.Equal(("$.name", TextRules.Problem("\ud800", TextShape.Storable)!), ApiRequestGuard.FirstInvalidText("""{"name":"a\ud800"}"""u8));
        // Line breaks and other controls are the fields' own business (a note may hold them, a display name may not).
        Assert.Null(ApiRequestGuard.FirstInvalidText("""{"note":"a\n\u0007"}"""u8));
    }
}
