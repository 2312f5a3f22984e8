using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Popularity;

/// <summary>A silo-local copy of the merged popularity ranking, refreshed when older than <see cref="PopularityOptions.RefreshInterval"/>.</summary>
public sealed class PopularityCache(IGrainFactory grains, IOptions<PopularityOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private PopularitySnapshot _current = PopularitySnapshot.Empty;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;
    private long _generation;

    /// <summary>The latest ranking, fetched first if stale.</summary>
    public async ValueTask<PopularitySnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        if (time.GetUtcNow() - _fetchedAt < options.Value.RefreshInterval)
        {
            return Volatile.Read(ref _current);
        }

        var generation = Volatile.Read(ref _generation);
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            if (_generation != generation)
            {
                return _current; // Another caller refreshed while this one waited.
            }

            var startedAt = time.GetUtcNow();

            var fresh = await grains.GetGrain<IPopularityGrain>(0).GetSnapshot(_current.Version);
            if (fresh is not null)
            {
                Volatile.Write(ref _current, fresh);
            }

            _fetchedAt = startedAt;
            Interlocked.Increment(ref _generation);
            return _current;
        }
        finally
        {
            _refreshLock.Release();
        }
    }
}
