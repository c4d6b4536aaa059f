using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// A definition file found on disk, or why it could not be read. <see cref="ContentHash"/> is the SHA-256 of its
/// bytes; a file whose hash the caller knew already is returned unread (<see cref="Unchanged"/>, no document).
/// </summary>
public sealed record DefinitionFile(string Path, JsonObject? Document, IReadOnlyList<DefinitionError> Errors, string ContentHash = "", bool Unchanged = false);

/// <summary>
/// Finds definitions in files and folders: in a folder, every *.json whose object has a "root" is a
/// definition; other JSON data files are left to their own loaders; a file that is not JSON is an error.
/// </summary>
public static class DefinitionFiles
{
    public static async Task<IReadOnlyList<DefinitionFile>> FindAsync(IEnumerable<string> paths, CancellationToken cancellationToken, IReadOnlySet<string>? knownHashes = null)
    {
        var result = new List<DefinitionFile>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    if (await ReadAsync(file, explicitFile: false, knownHashes, cancellationToken) is { } found)
                    {
                        result.Add(found);
                    }
                }
            }
            else if (File.Exists(path))
            {
                result.Add((await ReadAsync(path, explicitFile: true, knownHashes, cancellationToken))!);
            }
            else
            {
                result.Add(new DefinitionFile(path, null, [DefinitionErrorKinds.FileNotFound.At("$", path)]));
            }
        }

        return result;
    }

    private static async Task<DefinitionFile?> ReadAsync(string file, bool explicitFile, IReadOnlySet<string>? knownHashes, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (knownHashes is not null && knownHashes.Contains(hash))
        {
            return new DefinitionFile(file, null, [], hash, Unchanged: true);
        }

        var text = Encoding.UTF8.GetString(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes.AsSpan(Encoding.UTF8.Preamble.Length) : bytes);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException)
        {
            // The reader produces the message with line and position.
            return new DefinitionFile(file, null, DefinitionReader.Read(text).Errors, hash);
        }

        if (node is JsonObject document && document.ContainsKey("root"))
        {
            return new DefinitionFile(file, document, [], hash);
        }

        return explicitFile ? new DefinitionFile(file, null, [DefinitionErrorKinds.FileNotADefinition.At("$.root")], hash) : null;
    }
}
