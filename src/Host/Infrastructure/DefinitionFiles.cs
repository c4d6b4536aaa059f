using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>A definition file found on disk, or why it could not be read.</summary>
public sealed record DefinitionFile(string Path, JsonObject? Document, IReadOnlyList<DefinitionError> Errors);

/// <summary>
/// Finds definitions in files and folders: in a folder, every *.json whose object has a "root" is a
/// definition; other JSON data files are left to their own loaders; a file that is not JSON is an error.
/// </summary>
public static class DefinitionFiles
{
    public static async Task<IReadOnlyList<DefinitionFile>> FindAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var result = new List<DefinitionFile>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    if (await ReadAsync(file, explicitFile: false, cancellationToken) is { } found)
                    {
                        result.Add(found);
                    }
                }
            }
            else if (File.Exists(path))
            {
                result.Add((await ReadAsync(path, explicitFile: true, cancellationToken))!);
            }
            else
            {
                result.Add(new DefinitionFile(path, null, [DefinitionErrorKinds.FileNotFound.At("$", path)]));
            }
        }

        return result;
    }

    private static async Task<DefinitionFile?> ReadAsync(string file, bool explicitFile, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(file, cancellationToken);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException)
        {
            // The reader produces the message with line and position.
            return new DefinitionFile(file, null, DefinitionReader.Read(text).Errors);
        }

        if (node is JsonObject document && document.ContainsKey("root"))
        {
            return new DefinitionFile(file, document, []);
        }

        return explicitFile ? new DefinitionFile(file, null, [DefinitionErrorKinds.FileNotADefinition.At("$.root")]) : null;
    }
}
