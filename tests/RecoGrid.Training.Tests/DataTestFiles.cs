namespace RecoGrid.Training.Tests;

/// <summary>A temporary folder for one test, deleted afterwards.</summary>
internal sealed class DataTempFolder : IDisposable
{
    public DataTempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "recogrid-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="content"/> verbatim (line endings included) and returns the file's path.</summary>
    public string Write(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on some platforms; the OS cleans temp eventually.
        }
    }
}
