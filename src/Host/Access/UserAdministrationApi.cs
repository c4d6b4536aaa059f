using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Access;

/// <summary>A new account; <c>agencyId</c> is an agency's id or its full name. With <c>generatePassword</c> the password is made by the server and returned once.</summary>
public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? AgencyId, IReadOnlyList<string>? Roles, string? Password, bool? GeneratePassword = null);

public sealed record ResetPasswordRequest(string? NewPassword, bool? GeneratePassword = null);

/// <summary>A password the server generated: shown in this one answer, stored only as a hash.</summary>
public sealed record GeneratedPasswordView(string GeneratedPassword);

public sealed record UserView(
    string Id, string UserName, string DisplayName, string AgencyId, string? AgencyName, IReadOnlyList<RoleView> Roles,
    string Status, string StatusName, bool IsLockedOut, DateTimeOffset? LockoutEnd, int AccessFailedCount, DateTimeOffset CreatedAt, DateTimeOffset? LastSignedInAt,
    bool MustChangePassword,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? GeneratedPassword = null)
{
    public static UserView From(AccountSummary account, string? generatedPassword = null) =>
        new(account.Id, account.UserName, account.DisplayName, account.AgencyId, account.AgencyName, [.. account.Roles.Select(RoleView.From)],
            account.Status.Code(), account.Status.DisplayName(), account.Status != AccountStatus.Active, account.LockoutEnd, account.AccessFailedCount,
            account.CreatedAt, account.LastSignedInAt, account.MustChangePassword, generatedPassword);
}

/// <summary>
/// Administrators manage accounts: list, create, lock, unlock, reset a password. The work is done by
/// <see cref="AccountAdministration"/>, which the pages use too; every change is audited.
/// </summary>
public static class UserAdministrationApi
{
    public static IEndpointRouteBuilder MapUserAdministrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/users").WithTags("User administration").RequireAuthorization(Policies.Administrator);
        api.MapGet("/", ListAsync);
        api.MapPost("/", CreateAsync);
        api.MapPost("/{id}/lock", LockAsync);
        api.MapPost("/{id}/unlock", UnlockAsync);
        api.MapPost("/{id}/reset-password", ResetPasswordAsync);
        return app;
    }

    /// <summary>Accounts of an agency (id or full name) and whose user name or display name contains <paramref name="name"/>.</summary>
    public static async Task<Results<Ok<IReadOnlyList<UserView>>, ValidationProblem>> ListAsync(
        string? agencyId, string? name, AccountAdministration accounts, CancellationToken cancellationToken)
    {
        try
        {
            var list = await accounts.ListAsync(new AccountFilter(agencyId, name), cancellationToken);
            return TypedResults.Ok<IReadOnlyList<UserView>>([.. list.Select(a => UserView.From(a))]);
        }
        catch (AccountRequestException ex)
        {
            return Invalid(ex);
        }
    }

    public static async Task<Results<Created<UserView>, ValidationProblem>> CreateAsync(
        CreateUserRequest request, HttpContext http, AccountAdministration accounts, CancellationToken cancellationToken)
    {
        try
        {
            var change = await accounts.CreateAsync(
                http.Actor(),
                new NewAccount(request.UserName, request.DisplayName, request.AgencyId, request.Roles, request.Password, request.GeneratePassword == true),
                cancellationToken);
            return TypedResults.Created($"/api/admin/users/{change.Account.Id}", UserView.From(change.Account, change.GeneratedPassword));
        }
        catch (AccountRequestException ex)
        {
            return Invalid(ex);
        }
    }

    /// <summary>Locks until an administrator unlocks, and ends the account's sessions at their next check.</summary>
    public static async Task<Results<Ok<UserView>, NotFound, ValidationProblem>> LockAsync(
        string id, HttpContext http, AccountAdministration accounts, CancellationToken cancellationToken)
    {
        try
        {
            return await accounts.LockAsync(http.Actor(), id, cancellationToken) is { } locked ? TypedResults.Ok(UserView.From(locked)) : TypedResults.NotFound();
        }
        catch (AccountActionRefusedException ex)
        {
            return Apis.ApiProblems.Field("id", ex.Message);
        }
    }

    public static async Task<Results<Ok<UserView>, NotFound, ValidationProblem>> UnlockAsync(
        string id, HttpContext http, AccountAdministration accounts, CancellationToken cancellationToken)
    {
        try
        {
            return await accounts.UnlockAsync(http.Actor(), id, cancellationToken) is { } unlocked ? TypedResults.Ok(UserView.From(unlocked)) : TypedResults.NotFound();
        }
        catch (AccountActionRefusedException ex)
        {
            return Apis.ApiProblems.Field("id", ex.Message);
        }
    }

    /// <summary>Sets a new password chosen by the administrator (204), or a generated one returned once (200); the account's other sessions end.</summary>
    public static async Task<Results<NoContent, Ok<GeneratedPasswordView>, NotFound, ValidationProblem>> ResetPasswordAsync(
        string id, ResetPasswordRequest request, HttpContext http, AccountAdministration accounts, CancellationToken cancellationToken)
    {
        try
        {
            var change = await accounts.ResetPasswordAsync(http.Actor(), id, request.NewPassword, request.GeneratePassword == true, cancellationToken);
            return change switch
            {
                null => TypedResults.NotFound(),
                { GeneratedPassword: { } generated } => TypedResults.Ok(new GeneratedPasswordView(generated)),
                _ => TypedResults.NoContent(),
            };
        }
        catch (AccountRequestException ex)
        {
            return Invalid(ex);
        }
        catch (AccountActionRefusedException ex)
        {
            return Apis.ApiProblems.Field("id", ex.Message);
        }
    }

    /// <summary>The service names fields as the request's JSON does; problem details point at them with a JSON path.</summary>
    private static ValidationProblem Invalid(AccountRequestException ex) =>
        TypedResults.ValidationProblem(ex.Errors.ToDictionary(e => "$." + e.Key, e => e.Value), title: "請求內容有誤");
}
