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
    /// <param name="version">The version the button must name, or null for whichever version the page offers.</param>
    public static async Task PublishAsync(IPage page, int? version = null)
    {
        await Expect(page.Locator("#designer[data-ready='true']:not([data-validating])")).ToHaveCountAsync(1);
        var publish = version is { } number ? page.GetByRole(AriaRole.Button, new() { Name = $"發布第 {number} 版" }) : page.Locator("#publish-button");
        await Expect(publish).ToBeEnabledAsync();
        await publish.ClickAsync();
    }
}
