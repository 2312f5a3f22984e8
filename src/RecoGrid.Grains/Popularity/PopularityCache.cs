using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Popularity;

/// <summary>A silo-local copy of the merged popularity ranking, refreshed when older than <see cref="PopularityOptions.RefreshInterval"/>.</summary>
public sealed class PopularityCache(IGrainFactory grains, IOptions<PopularityOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
{
    private readonly SingleFlight<Fetched> _current = new(new Fetched(PopularitySnapshot.Empty, DateTimeOffset.MinValue));

    /// <summary>The last ranking fetched, however old (for answering while the cluster cannot be reached).</summary>
    public PopularitySnapshot Latest => _current.Value.Snapshot;

    /// <summary>The latest ranking, fetched first if stale.</summary>
    public async ValueTask<PopularitySnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        var current = _current.Value;
        if (time.GetUtcNow() - current.FetchedAt < options.Value.RefreshInterval)
        {
            return current.Snapshot;
        }

        var refreshed = await _current.RefreshAsync(async previous =>
        {
            var startedAt = time.GetUtcNow();
            var fresh = await grains.GetGrain<IPopularityGrain>(0).GetSnapshot(previous.Snapshot.Version);
            return new Fetched(fresh ?? previous.Snapshot, startedAt);
        }, cancellationToken);
        return refreshed.Snapshot;
    }

    private sealed record Fetched(PopularitySnapshot Snapshot, DateTimeOffset FetchedAt);
}
