using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster.Blocks;
using RecoGrid.Training.Cluster.Contracts;

namespace RecoGrid.Training.Cluster.Workers;

/// <summary>
/// What the workers on one silo share: a gate so the silo solves one block at a time (each solve already uses the
/// configured threads), and the other side's full factors of the current half-step, read from the store once per silo
/// and half-step however many of its blocks the silo solves.
/// </summary>
public sealed class SiloTrainingResources(ITrainingBlockStore store)
{
    private const int CachedSides = 2;
    private readonly SemaphoreSlim _compute = new(1, 1);
    private readonly Lock _lock = new();
    private readonly LinkedList<(string Key, Lazy<Task<float[]>> Factors)> _factors = new();

    /// <summary>Runs <paramref name="work"/> on the thread pool once no other block on this silo is solving.</summary>
    public async Task<T> ComputeAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _compute.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(work, cancellationToken);
        }
        finally
        {
            _compute.Release();
        }
    }

    /// <summary>
    /// The full factor matrix of <paramref name="side"/> at <paramref name="version"/>, assembled from its blocks;
    /// <paramref name="loaded"/> receives the bytes read when this call did the reading (0 when cached).
    /// </summary>
    public async Task<float[]> FactorsAsync(TrainingJobSpec spec, FactorSide side, int version, Action<long> loaded)
    {
        var key = $"{spec.JobId}/{side}/{version}";
        Lazy<Task<float[]>> entry;
        var mine = false;
        lock (_lock)
        {
            var node = _factors.First;
            while (node is not null && node.Value.Key != key)
            {
                node = node.Next;
            }

            if (node is null)
            {
                entry = new Lazy<Task<float[]>>(() => LoadAsync(spec, side, version, loaded));
                _factors.AddFirst((key, entry));
                mine = true;
                while (_factors.Count > CachedSides)
                {
                    _factors.RemoveLast();
                }
            }
            else
            {
                entry = node.Value.Factors;
            }
        }

        try
        {
            return await entry.Value;
        }
        catch when (mine)
        {
            // A failed read is not cached: the next call (a retry) reads again.
            lock (_lock)
            {
                var node = _factors.First;
                while (node is not null && !ReferenceEquals(node.Value.Factors, entry))
                {
                    node = node.Next;
                }

                if (node is not null)
                {
                    _factors.Remove(node);
                }
            }

            throw;
        }
    }

    private async Task<float[]> LoadAsync(TrainingJobSpec spec, FactorSide side, int version, Action<long> loaded)
    {
        var bounds = spec.Bounds(side);
        var d = spec.Factors;
        var factors = new float[(long)bounds[^1] * d];
        long bytes = 0;
        for (var b = 0; b < spec.Blocks; b++)
        {
            var name = BlockNames.Factors(spec.JobId, side, version, b);
            var content = await store.ReadAsync(name);
            bytes += content.Length;
            BlockCodec.DecodeFloats(content, bounds[b + 1] - bounds[b], d, factors.AsSpan(bounds[b] * d, (bounds[b + 1] - bounds[b]) * d), name);
        }

        loaded(bytes);
        return factors;
    }
}
