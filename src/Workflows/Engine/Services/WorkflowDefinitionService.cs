using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Persistence;

namespace AntiDrugFlow.Workflows.Services;

/// <summary>What saving a draft gave: the stored version and the errors that would stop it being published.</summary>
public sealed record DraftSaved(DefinitionVersion Version, IReadOnlyList<DefinitionError> Errors);

/// <summary>A published version ready to run, with the stamp that names what was compiled (see <see cref="PostgresInstanceStore.SaveStepAsync"/>).</summary>
public sealed record PublishedDefinition(WorkflowDefinition Definition, PublishedStamp Stamp);

/// <summary>
/// Drafts, publishing, retracting and versions of workflow definitions. A published version never
/// changes, so instances keep running on the version they started with.
/// </summary>
public sealed class WorkflowDefinitionService(PostgresDefinitionStore store, DefinitionValidator validator, TimeProvider time, IEnumerable<IDefinitionChangeObserver> observers)
{
    private static readonly string[] ManagedFields = ["id", "definitionId", "version", "isPublished", "isLatest"];
    private readonly ConcurrentDictionary<string, CompiledVersion> _compiled = new(StringComparer.Ordinal);

    // The version each definition's last start ran on, by definition id; a start proves it still published as it commits.
    private readonly ConcurrentDictionary<string, PublishedDefinition> _published = new(StringComparer.Ordinal);

    public PostgresDefinitionStore Store => store;

    /// <summary>Saves the document as the latest draft: a new version when the latest is published, else over the draft.</summary>
    public async Task<DraftSaved> SaveDraftAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var definitionId = DefinitionIdOf(document);
        var version = await store.ChangeAsync(definitionId, async change =>
        {
            var latest = await change.FindAsync("latest", cancellationToken);
            var name = JsonText(document, "name") ?? definitionId;
            if (latest is { IsPublished: false, RetractedAt: null } draft)
            {
                var updated = Normalize(document, draft.Id, definitionId, draft.Version, published: false);
                await change.UpdateDraftAsync(draft.Id, name, updated, cancellationToken);
                await change.NotifyAsync(observers, new DefinitionChanged(DefinitionChangeKind.Saved, definitionId, draft.Id, draft.Version), cancellationToken);
                return draft with { Name = name, Document = updated };
            }

            var number = (latest?.Version ?? 0) + 1;
            var id = $"{definitionId}:v{number}";
            var created = new DefinitionVersion(id, definitionId, number, name, false, true, time.GetUtcNow(), null, null, Normalize(document, id, definitionId, number, published: false));
            await change.InsertAsync(created, cancellationToken);
            await change.NotifyAsync(observers, new DefinitionChanged(DefinitionChangeKind.Saved, definitionId, id, number), cancellationToken);
            return created;
        }, cancellationToken);
        return new DraftSaved(version, validator.Load(version.Document.DeepClone().AsObject()).Errors);
    }

    /// <summary>Publishes the latest version after validating it; throws <see cref="DefinitionValidationException"/> with every error.</summary>
    public async Task<DefinitionVersion> PublishAsync(string definitionId, CancellationToken cancellationToken)
    {
        var version = await PublishLatestAsync(definitionId, cancellationToken);
        _published.TryRemove(definitionId, out _);
        PublishedChanged?.Invoke(definitionId);
        return version;
    }

    /// <summary>Raised on this host after a definition's published version changed (publish, retract, delete), e.g. to re-read its triggers.</summary>
    public event Action<string>? PublishedChanged;

    private Task<DefinitionVersion> PublishLatestAsync(string definitionId, CancellationToken cancellationToken) =>
        store.ChangeAsync(definitionId, async change =>
        {
            var latest = await change.FindAsync("latest", cancellationToken)
                ?? throw new KeyNotFoundException($"工作流程定義「{definitionId}」不存在。");
            if (latest.IsPublished)
            {
                return latest;
            }

            var (_, errors) = validator.Load(latest.Document.DeepClone().AsObject());
            if (errors.Count > 0)
            {
                throw new DefinitionValidationException(errors);
            }

            var document = Normalize(latest.Document, latest.Id, definitionId, latest.Version, published: true);
            await change.PublishAsync(latest.Id, document, time.GetUtcNow(), cancellationToken);
            await change.NotifyAsync(observers, new DefinitionChanged(DefinitionChangeKind.Published, definitionId, latest.Id, latest.Version), cancellationToken);
            return latest with { IsPublished = true, Document = document };
        }, cancellationToken);

    /// <summary>Saves and publishes in one go (create with publish, import).</summary>
    public async Task<DefinitionVersion> SaveAndPublishAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var (definition, errors) = validator.Load(document.DeepClone().AsObject());
        if (definition is null)
        {
            throw new DefinitionValidationException(errors);
        }

        await SaveDraftAsync(document, cancellationToken);
        return await PublishAsync(definition.DefinitionId, cancellationToken);
    }

    /// <summary>Imports a definition file: publishes it as a new version only when it differs from the published one.</summary>
    public async Task<(DefinitionVersion Version, bool Changed)> ImportAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var definitionId = DefinitionIdOf(document);
        var published = await store.FindAsync(definitionId, "published", cancellationToken);
        if (published is not null && SameContent(published.Document, document))
        {
            return (published, false);
        }

        return (await SaveAndPublishAsync(document, cancellationToken), true);
    }

    public async Task<bool> RetractAsync(string definitionId, CancellationToken cancellationToken)
    {
        var retracted = await store.ChangeAsync(definitionId, async change =>
        {
            var published = await change.FindAsync("published", cancellationToken);
            if (published is null || !await change.RetractAsync(time.GetUtcNow(), cancellationToken))
            {
                return false;
            }

            await change.NotifyAsync(observers, new DefinitionChanged(DefinitionChangeKind.Retracted, definitionId, published.Id, published.Version), cancellationToken);
            return true;
        }, cancellationToken);
        _published.TryRemove(definitionId, out _);
        PublishedChanged?.Invoke(definitionId);
        return retracted;
    }

    /// <summary>
    /// Deletes every version of a definition unless an instance started on one of them. Version ids are
    /// numbered, so a definition created again reuses them: this host forgets what it compiled.
    /// </summary>
    public async Task<DefinitionDeletion> DeleteAsync(string definitionId, CancellationToken cancellationToken)
    {
        var deletion = await store.ChangeAsync(definitionId, async change =>
        {
            var deleted = await change.DeleteAsync(cancellationToken);
            if (deleted == DefinitionDeletion.Deleted)
            {
                await change.NotifyAsync(observers, new DefinitionChanged(DefinitionChangeKind.Deleted, definitionId, null, null), cancellationToken);
            }

            return deleted;
        }, cancellationToken);
        if (deletion == DefinitionDeletion.Deleted)
        {
            foreach (var (versionId, compiled) in _compiled)
            {
                if (compiled.Definition.DefinitionId == definitionId)
                {
                    _compiled.TryRemove(versionId, out _);
                }
            }

            _published.TryRemove(definitionId, out _);

            PublishedChanged?.Invoke(definitionId);
        }

        return deletion;
    }

    /// <summary>The published version, ready to run; null when none is published. Only its id is read when it is compiled already.</summary>
    public async Task<WorkflowDefinition?> PublishedAsync(string definitionId, CancellationToken cancellationToken)
    {
        var versionId = await store.PublishedIdAsync(definitionId, cancellationToken);
        return versionId is null ? null : await VersionAsync(versionId, cancellationToken);
    }

    /// <summary>
    /// The published version for a start, without a round trip when this host has run it before (unless <paramref name="fresh"/>).
    /// It may have been retracted or replaced since, on any host: the start proves it still published in its own writes
    /// (<see cref="PostgresInstanceStore.SaveStepAsync"/>) and asks again with <paramref name="fresh"/> when it is
    /// not, so a publish elsewhere is honoured by the next start that commits. Null when no version is published.
    /// </summary>
    public async Task<PublishedDefinition?> PublishedForStartAsync(string definitionId, bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && _published.TryGetValue(definitionId, out var known))
        {
            return known;
        }

        var stamp = await store.PublishedStampAsync(definitionId, cancellationToken);
        if (stamp is null)
        {
            _published.TryRemove(definitionId, out _);
            return null;
        }

        if (_compiled.TryGetValue(stamp.VersionId, out var compiled) && compiled.CreatedAt != stamp.CreatedAt)
        {
            // The definition was deleted and created again (on another host): the id names other content now.
            _compiled.TryRemove(stamp.VersionId, out _);
        }

        await VersionAsync(stamp.VersionId, cancellationToken);
        // The stamp of what was compiled, which a concurrent re-creation could make differ from the one just read.
        var published = _compiled.TryGetValue(stamp.VersionId, out var now)
            ? new PublishedDefinition(now.Definition, new PublishedStamp(stamp.VersionId, now.CreatedAt))
            : throw new InvalidOperationException($"工作流程定義版本「{stamp.VersionId}」無法載入。");
        _published[definitionId] = published;
        return published;
    }

    /// <summary>The exact version an instance started on.</summary>
    public async Task<WorkflowDefinition> VersionAsync(string versionId, CancellationToken cancellationToken)
    {
        if (_compiled.TryGetValue(versionId, out var cached))
        {
            return cached.Definition;
        }

        var version = await store.GetByIdAsync(versionId, cancellationToken)
            ?? throw new KeyNotFoundException($"工作流程定義版本「{versionId}」不存在。");
        return Compile(version);
    }

    private WorkflowDefinition Compile(DefinitionVersion version) =>
        _compiled.GetOrAdd(version.Id, _ =>
        {
            var (definition, errors) = validator.Load(version.Document.DeepClone().AsObject());
            return new CompiledVersion(definition ?? throw new DefinitionValidationException(errors), version.CreatedAt);
        }).Definition;

    private sealed record CompiledVersion(WorkflowDefinition Definition, DateTimeOffset CreatedAt);

    /// <summary>The document as exported: Elsa's shape with the version's current flags.</summary>
    public static JsonObject Export(DefinitionVersion version)
    {
        var copy = version.Document.DeepClone().AsObject();
        copy["isPublished"] = version.IsPublished;
        copy["isLatest"] = version.IsLatest;
        return copy;
    }

    /// <summary>The definitionId given, or the one derived from the name (the reader warns about it); refused only when there is no name either.</summary>
    public static string DefinitionIdOf(JsonObject document) =>
        JsonText(document, "definitionId") ?? JsonText(document, "id") ?? DefinitionReader.DerivedDefinitionId(JsonText(document, "name"))
        ?? throw new DefinitionValidationException([DefinitionErrorKinds.DefinitionIdMissing.At("$.definitionId")]);

    private static JsonObject Normalize(JsonObject document, string id, string definitionId, int version, bool published)
    {
        var copy = document.DeepClone().AsObject();
        copy["id"] = id;
        copy["definitionId"] = definitionId;
        copy["version"] = version;
        copy["isPublished"] = published;
        copy["isLatest"] = true;
        return copy;
    }

    /// <summary>Whether two documents define the same thing, whatever their version fields say.</summary>
    public static bool SameContent(JsonObject stored, JsonObject given) => JsonNode.DeepEquals(WithoutManaged(stored), WithoutManaged(given));

    private static JsonObject WithoutManaged(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        foreach (var field in ManagedFields)
        {
            copy.Remove(field);
        }

        return copy;
    }

    private static string? JsonText(JsonObject document, string name) =>
        document[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
