using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using AntiDrugFlow.Workflows.Access;
namespace AntiDrugFlow.Host.Access;

/// <summary>
/// The page the session cookie sends a signed-out browser to: a plain form that posts to
/// /api/account/login and then returns to the page asked for. Pages of their own may replace it.
/// </summary>
public static class LoginPage
{
    private const string Html = """
        <!DOCTYPE html>
        <html lang="zh-Hant-TW">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>登入 - 反毒通報流程系統</title>
          <style>
            body { font-family: system-ui, "Noto Sans CJK TC", sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
            label { display: block; margin-top: 1rem; }
            input { width: 100%; padding: .5rem; box-sizing: border-box; }
            button { margin-top: 1.5rem; padding: .5rem 1.5rem; }
            #message { color: #b00020; margin-top: 1rem; min-height: 1.5rem; }
          </style>
        </head>
        <body>
          <main>
            <h1>反毒通報流程系統</h1>
            <form id="login" data-return="{0}">
              <label for="userName">帳號</label>
              <input id="userName" name="userName" autocomplete="username" required autofocus>
              <label for="password">密碼</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">登入</button>
              <p id="message" role="alert"></p>
            </form>
          </main>
          <script>
            document.getElementById('login').addEventListener('submit', async event => {
              event.preventDefault();
              const message = document.getElementById('message');
              message.textContent = '';
              const response = await fetch('/api/account/login', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ userName: event.target.userName.value, password: event.target.password.value })
              });
              if (response.ok) {
                // The server checked ReturnUrl (a path of this site, or /); the script never reads the query itself.
                location.assign(event.target.dataset.return || '/');
                return;
              }
              const problem = await response.json().catch(() => ({}));
              message.textContent = problem.detail || problem.title || '登入失敗，請再試一次。';
            });
          </script>
        </body>
        </html>
        """;

    private const string DeniedHtml = """
        <!DOCTYPE html>
        <html lang="zh-Hant-TW">
        <head><meta charset="utf-8"><title>沒有權限 - 反毒通報流程系統</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto;">
          <h1>沒有權限</h1>
          <p>您的帳號角色不能使用這個頁面。如需權限，請洽系統管理者。</p>
          <p><a href="/account/login">以其他帳號登入</a></p>
        </body>
        </html>
        """;

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/login", (HttpRequest request) =>
            TypedResults.Content(
                Html.Replace("{0}", System.Net.WebUtility.HtmlEncode(PasswordChangeGate.LocalReturnPath(request.Query["ReturnUrl"].FirstOrDefault()) ?? "/"), StringComparison.Ordinal),
                "text/html; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        // The pages' sign-out: the API's logout (audited), then back to the login page. The form carries the antiforgery
        // token, so another site cannot sign a user out (SameSite=Strict alone is not relied on): without it, 400.
        app.MapPost("/account/logout", async (HttpContext http, IAntiforgery antiforgery, SignInManager<Account> signIn, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "請求無效", detail: "登出請求缺少有效的防偽權杖，請由系統頁面的「登出」按鈕登出。");
            }

            await AccountsApi.LogoutAsync(http, signIn, audit, time, cancellationToken);
            return Results.Redirect("/account/login");
        }).AllowAnonymous().AllowBeforePasswordChange().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet("/account/access-denied", () => TypedResults.Content(DeniedHtml, "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
