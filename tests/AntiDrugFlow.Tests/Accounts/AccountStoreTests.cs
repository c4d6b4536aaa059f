using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>The Identity user store on PostgreSQL: accounts with their roles, saved together, and stale copies refused.</summary>
public sealed class AccountStoreTests : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private PostgresAccountStore _store = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync(migrate: false));
        await new SchemaMigrator(_dataSource, [new SchemaScripts(typeof(Account).Assembly)], NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = new PostgresAccountStore(_dataSource, new TestClock());
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task An_account_is_saved_with_its_roles_and_found_by_id_and_by_name()
    {
        var account = NewAccount("liaison.kl", "kee-liaison", RoleNames.LiaisonOfficer, RoleNames.Administrator);

        Assert.True((await _store.CreateAsync(account, CancellationToken.None)).Succeeded);

        var byName = await _store.FindByNameAsync("LIAISON.KL", CancellationToken.None);
        var byId = await _store.FindByIdAsync(account.Id, CancellationToken.None);
        Assert.NotNull(byName);
        Assert.Equal(account.Id, byId!.Id);
        Assert.Equal("kee-liaison", byName.AgencyId);
        Assert.Equal([RoleNames.Administrator, RoleNames.LiaisonOfficer], byName.Roles);
        Assert.Equal(new TestClock().GetUtcNow(), byName.CreatedAt);
    }

    [Fact]
    public async Task Roles_removed_and_added_through_Identity_are_replaced_on_save()
    {
        var account = NewAccount("social.kl", "kee-social", RoleNames.SocialWorker);
        await _store.CreateAsync(account, CancellationToken.None);

        await _store.RemoveFromRoleAsync(account, "SOCIAL-WORKER", CancellationToken.None);
        await _store.AddToRoleAsync(account, "LIAISON-OFFICER", CancellationToken.None);
        await _store.UpdateAsync(account, CancellationToken.None);

        var saved = await _store.FindByIdAsync(account.Id, CancellationToken.None);
        Assert.Equal([RoleNames.LiaisonOfficer], saved!.Roles);
        Assert.Equal([account.Id], (await _store.GetUsersInRoleAsync("LIAISON-OFFICER", CancellationToken.None)).Select(a => a.Id));
    }

    [Fact]
    public async Task A_stale_copy_of_an_account_cannot_overwrite_a_newer_save()
    {
        var account = NewAccount("police.kl-xinyi", "kee-p2-xinyi", RoleNames.PoliceOfficer);
        await _store.CreateAsync(account, CancellationToken.None);
        var first = (await _store.FindByIdAsync(account.Id, CancellationToken.None))!;
        var second = (await _store.FindByIdAsync(account.Id, CancellationToken.None))!;

        first.AccessFailedCount = 3;
        Assert.True((await _store.UpdateAsync(first, CancellationToken.None)).Succeeded);
        second.LockoutEnd = DateTimeOffset.MaxValue;
        var stale = await _store.UpdateAsync(second, CancellationToken.None);

        Assert.False(stale.Succeeded);
        Assert.Equal("ConcurrencyFailure", Assert.Single(stale.Errors).Code);
        Assert.Null((await _store.FindByIdAsync(account.Id, CancellationToken.None))!.LockoutEnd);
    }

    [Fact]
    public async Task A_change_and_its_audit_entry_are_saved_together_or_not_at_all()
    {
        var account = NewAccount("prosecutor.kl", "pros-keelung", RoleNames.ProsecutorLiaison);
        account.DisplayName = "地檢署聯絡人";
        account.PendingAudit.Add(Entry("user.created", account));
        await _store.CreateAsync(account, CancellationToken.None);
        var first = (await _store.FindByIdAsync(account.Id, CancellationToken.None))!;
        var second = (await _store.FindByIdAsync(account.Id, CancellationToken.None))!;

        first.LockoutEnd = DateTimeOffset.MaxValue;
        first.PendingAudit.Add(Entry("user.locked", first));
        Assert.True((await _store.UpdateAsync(first, CancellationToken.None)).Succeeded);
        second.LockoutEnd = null;
        second.PendingAudit.Add(Entry("user.unlocked", second));
        Assert.False((await _store.UpdateAsync(second, CancellationToken.None)).Succeeded);

        var audit = await new PostgresAuditLog(_dataSource).QueryAsync(new AuditQuery(UserId: "admin-id"), CancellationToken.None);
        Assert.Equal(["user.locked", "user.created"], audit.Select(e => e.Action));
        Assert.Empty(first.PendingAudit);
        Assert.Equal("地檢署聯絡人", (await _store.FindByIdAsync(account.Id, CancellationToken.None))!.DisplayName);
    }

    [Fact]
    public async Task A_second_account_with_the_same_name_is_refused()
    {
        await _store.CreateAsync(NewAccount("admin", "moe-sse", RoleNames.Administrator), CancellationToken.None);

        var duplicate = await _store.CreateAsync(NewAccount("admin", "npa", RoleNames.Administrator), CancellationToken.None);

        Assert.Equal("DuplicateUserName", Assert.Single(duplicate.Errors).Code);
    }

    [Fact]
    public async Task A_role_outside_RoleNames_is_refused()
    {
        var account = NewAccount("school.kl-anle-sh", "kee-sch-anle-sh", RoleNames.SchoolStaff);

        await Assert.ThrowsAsync<ArgumentException>(() => _store.AddToRoleAsync(account, "JANITOR", CancellationToken.None));
    }

    private static AuditEntry Entry(string action, Account account) =>
        new(new TestClock().GetUtcNow(), "admin-id", "moe-sse", action, null, $"account={account.Id}");

    private static Account NewAccount(string userName, string agencyId, params string[] roles)
    {
        var account = new Account { UserName = userName, NormalizedUserName = userName.ToUpperInvariant(), AgencyId = agencyId, SecurityStamp = Guid.NewGuid().ToString("N") };
        account.Roles.UnionWith(roles);
        return account;
    }
}
