using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Server.Experiments;

/// <summary>
/// Counts impressions and events per experiment and variant in memory and sends them to the experiments' stats grains
/// in one call per experiment and flush, so the request path never waits on a grain. Counts of a flush that fails stay
/// buffered for the next one; a retried flush is recognized by its sequence number and applied once.
/// </summary>
public sealed class ExperimentCounters(IGrainFactory grains)
{
    private readonly string _source = Guid.NewGuid().ToString("N");
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Dictionary<string, Buffer> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<ExperimentCountsDelta>> _unsent = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>One recommendation response served with <paramref name="variant"/>'s model.</summary>
    public void Impression(string experimentId, int variant)
    {
        lock (_lock)
        {
            Get(experimentId, variant).Impressions++;
        }
    }

    /// <summary>One event that followed a recommendation of <paramref name="variant"/>.</summary>
    public void Event(string experimentId, int variant, string type)
    {
        lock (_lock)
        {
            var counts = Get(experimentId, variant).Events;
            counts[type] = counts.GetValueOrDefault(type) + 1;
        }
    }

    /// <summary>Sends every buffered count; counts of an experiment whose flush fails are kept for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                foreach (var (experimentId, buffer) in _pending)
                {
                    if (!_unsent.TryGetValue(experimentId, out var queue))
                    {
                        _unsent[experimentId] = queue = new Queue<ExperimentCountsDelta>();
                    }

                    queue.Enqueue(new ExperimentCountsDelta(_source, ++_sequence, [.. buffer.Variants.Select(v => v.ToCounts())]));
                }

                _pending = new(StringComparer.Ordinal);
            }

            // Only the flushing task touches _unsent. Deltas go out in sequence order per experiment; one that fails is
            // retried first next time under the same number, so the grain applies it once even if it did apply it.
            List<Exception>? failures = null;
            foreach (var (experimentId, queue) in _unsent)
            {
                try
                {
                    while (queue.TryPeek(out var delta))
                    {
                        await grains.GetGrain<IExperimentStatsGrain>(experimentId).Record(delta);
                        queue.Dequeue();
                    }
                }
                catch (Exception exception)
                {
                    (failures ??= []).Add(exception);
                }
            }

            foreach (var done in _unsent.Where(p => p.Value.Count == 0).Select(p => p.Key).ToList())
            {
                _unsent.Remove(done);
            }

            if (failures is not null)
            {
                throw new AggregateException("Some experiment counts could not be flushed; they are kept for the next flush.", failures);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private VariantBuffer Get(string experimentId, int variant)
    {
        if (!_pending.TryGetValue(experimentId, out var buffer))
        {
            _pending[experimentId] = buffer = new Buffer();
        }

        while (buffer.Variants.Count <= variant)
        {
            buffer.Variants.Add(new VariantBuffer());
        }

        return buffer.Variants[variant];
    }

    private sealed class Buffer
    {
        public List<VariantBuffer> Variants { get; } = [];
    }

    private sealed class VariantBuffer
    {
        public long Impressions { get; set; }

        public Dictionary<string, long> Events { get; } = new(StringComparer.Ordinal);

        public VariantCounts ToCounts() => new(Impressions, Events.ToImmutableDictionary(StringComparer.Ordinal));
    }
}
