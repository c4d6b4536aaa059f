using Microsoft.AspNetCore.Components;

namespace AntiDrugFlow.Host.Components.Layout;

/// <summary>A page rendered on the server for one request: its reads stop when the browser goes away.</summary>
public abstract class PageBase : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    protected CancellationToken Aborted => HttpContext?.RequestAborted ?? CancellationToken.None;

    [Inject]
    protected NavigationManager Navigation { get; set; } = null!;

    /// <summary>Answers 404 with the not-found page (static rendering stops the current page's output once a 404 is set).</summary>
    protected void RespondNotFound() => Navigation.NotFound();
}
