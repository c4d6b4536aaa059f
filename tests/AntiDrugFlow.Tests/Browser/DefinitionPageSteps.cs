using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>Steps on a definition's page that several journeys take.</summary>
public static class DefinitionPageSteps
{
    /// <summary>
    /// Publishes the draft once the designer has loaded and the server has checked it. The page arrives with the button
    /// enabled and the designer turns it off while the check runs: a click that lands in between does nothing, which on
    /// a loaded machine left the page saying only that the draft was saved.
    /// </summary>
    public static async Task PublishAsync(IPage page, int version)
    {
        await Expect(page.Locator("#designer[data-ready='true']:not([data-validating])")).ToHaveCountAsync(1);
        var publish = page.GetByRole(AriaRole.Button, new() { Name = $"發布第 {version} 版" });
        await Expect(publish).ToBeEnabledAsync();
        await publish.ClickAsync();
    }
}
