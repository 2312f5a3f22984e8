using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Server;

namespace RecoGrid.Api.Security;

/// <summary>
/// On start-up with API keys: when the registry has no active admin key, creates one and writes it to
/// <c>{data folder}/admin.key</c> (mode 0600), then prints where it is; with <c>Auth:Mode=None</c> warns that the node is open.
/// </summary>
public sealed partial class AdminKeyBootstrap(
    ApiKeyStore store,
    NodeOptions node,
    IOptions<AuthOptions> options,
    ILogger<AdminKeyBootstrap> logger) : IHostedService
{
    /// <summary>The file name of the local admin key, in the data folder.</summary>
    public const string FileName = "admin.key";

    /// <summary>Where the local admin key of a data folder is written.</summary>
    public static string PathIn(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), FileName);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode == AuthMode.None)
        {
            LogOpen();
            return;
        }

        var path = PathIn(node.DataDir);
        if (!options.Value.BootstrapAdminKey)
        {
            return;
        }

        var created = await store.CreateBootstrapAdminKeyAsync(cancellationToken);
        if (created is not null)
        {
            await WriteKeyFileAsync(path, created.Key, cancellationToken);
            LogCreated(created.Record.KeyId, path);
        }
        else if (File.Exists(path))
        {
            LogExisting(path);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task WriteKeyFileAsync(string path, string key, CancellationToken cancellationToken)
    {
        var temporary = path + ".new";
        File.Delete(temporary);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(temporary, fileOptions);
        await using (stream)
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(key + "\n"), cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:Mode=None: every endpoint is open to anyone who can reach this node. Use it for local experiments only.")]
    private partial void LogOpen();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the local admin API key {KeyId}; it is in {Path} (readable only by this user). Send it as the X-Api-Key header.")]
    private partial void LogCreated(string keyId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The local admin API key is in {Path}.")]
    private partial void LogExisting(string path);
}
