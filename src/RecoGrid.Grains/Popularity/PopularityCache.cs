using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Popularity;

/// <summary>A silo-local copy of the merged popularity ranking, refreshed when older than <see cref="PopularityOptions.RefreshInterval"/>.</summary>
public sealed class PopularityCache(IGrainFactory grains, IOptions<PopularityOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private PopularitySnapshot _current = PopularitySnapshot.Empty;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    /// <summary>The latest ranking, fetched first if stale.</summary>
    public async ValueTask<PopularitySnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        if (time.GetUtcNow() - _fetchedAt < options.Value.RefreshInterval)
        {
            return Volatile.Read(ref _current);
        }

        var startedAt = time.GetUtcNow();
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            if (_fetchedAt >= startedAt)
            {
                return _current;
            }

            var fresh = await grains.GetGrain<IPopularityGrain>(0).GetSnapshot(_current.Version);
            if (fresh is not null)
            {
                Volatile.Write(ref _current, fresh);
            }

            _fetchedAt = startedAt;
            return _current;
        }
        finally
        {
            _refreshLock.Release();
        }
    }
}
