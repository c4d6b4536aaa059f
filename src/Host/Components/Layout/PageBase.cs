using Microsoft.AspNetCore.Components;

namespace AntiDrugFlow.Host.Components.Layout;

/// <summary>A page rendered on the server for one request: its reads stop when the browser goes away.</summary>
public abstract class PageBase : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    protected CancellationToken Aborted => HttpContext?.RequestAborted ?? CancellationToken.None;
}
