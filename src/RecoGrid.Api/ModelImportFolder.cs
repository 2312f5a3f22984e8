using RecoGrid.Server;

namespace RecoGrid.Api;

/// <summary>
/// The only place POST /v1/admin/models registers from: <c>{data folder}/import</c>. A request names a folder inside
/// it by a relative name; names that leave it (absolute, <c>..</c>, links) are refused with the same answer as a
/// missing folder, and no answer carries a server path, so the endpoint reveals nothing about other files.
/// </summary>
public sealed class ModelImportFolder
{
    /// <summary>The import folder's name inside the data folder.</summary>
    public const string FolderName = "import";

    private const string NotFound = "names no artifact folder in the model import folder (<data>/import); copy the folder made by `recogrid train --out DIR` there and name it relative to that folder";

    public ModelImportFolder(NodeOptions node)
    {
        Root = Path.Combine(node.DataDir, FolderName);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The import folder (absolute).</summary>
    public string Root { get; }

    /// <summary>Resolves <paramref name="name"/> to a folder inside the import folder; returns the reason it cannot, or null.</summary>
    public string? Resolve(string? name, out string folder)
    {
        folder = "";
        if (string.IsNullOrWhiteSpace(name))
        {
            return "must name an artifact folder inside the model import folder (<data>/import)";
        }

        var segments = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (name.Length > 1024 || Path.IsPathRooted(name) || name.Contains(':', StringComparison.Ordinal) || segments.Length == 0 ||
            segments.Any(s => s is "." or ".." || s.Any(char.IsControl)))
        {
            return NotFound;
        }

        var current = Root;
        foreach (var segment in segments)
        {
            current = Path.Combine(current, segment);
            var info = new DirectoryInfo(current);
            if (!info.Exists || info.LinkTarget is not null)
            {
                return NotFound;
            }
        }

        // Every file the artifact has must be a plain file of the folder, not a link to one elsewhere.
        if (new DirectoryInfo(current).EnumerateFileSystemInfos().Any(entry => entry.LinkTarget is not null || entry is DirectoryInfo))
        {
            return "holds links or sub-folders; an artifact folder holds only the plain files `recogrid train` writes";
        }

        folder = current;
        return null;
    }
}
