using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecoGrid.Grains.Common;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// At start-up, before the silo opens any store, removes temporary files that a crashed write left in the data folder:
/// those last written before this process started (less a margin, so another node sharing the folder keeps its writes
/// in flight).
/// </summary>
public sealed partial class TemporaryFileCleanup(NodeOptions node, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time, ILogger<TemporaryFileCleanup> logger) : IHostedService
{
    /// <summary>How much older than this process a temporary file must be to count as left by a crash.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime());
        var cutoff = (started < time.GetUtcNow() ? started : time.GetUtcNow()) - Margin;
        var deleted = DurableFile.DeleteStaleTemporaryFiles(node.DataDir, cutoff);
        if (deleted > 0)
        {
            LogDeleted(deleted);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} temporary file(s) left in the data folder by an interrupted write.")]
    private partial void LogDeleted(int count);
}
