using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.CoVisitation;

/// <summary>
/// Turns users' new interactions into co-visits (each new item follows the user's previous
/// <see cref="CoVisitationOptions.Window"/> items, nearer ones weighing more) and sends them to the shards in batches,
/// at most every <see cref="CoVisitationOptions.FlushInterval"/> or every <see cref="FlushSize"/> co-visits.
/// </summary>
public sealed class CoVisitationRecorder : IDisposable
{
    /// <summary>Co-visits buffered before a flush is started early.</summary>
    public const int FlushSize = 1024;

    private readonly IGrainFactory _grains;
    private readonly IOptions<CoVisitationOptions> _options;
    private readonly ConcurrentQueue<CoVisit> _pending = new();
    private readonly ITimer _timer;
    private int _count;
    private int _flushing;

    public CoVisitationRecorder(IGrainFactory grains, IOptions<CoVisitationOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
    {
        _grains = grains;
        _options = options;
        var period = options.Value.FlushInterval;
        _timer = time.CreateTimer(_ => FlushAsync().Ignore(), null, period, period);
    }

    /// <summary>Records that <paramref name="added"/> (in order) followed <paramref name="before"/> (oldest first).</summary>
    public void Record(IReadOnlyList<Interaction> before, IReadOnlyList<Interaction> added)
    {
        var window = _options.Value.Window;
        var sequence = new List<Interaction>(Math.Min(window, before.Count) + added.Count);
        for (var i = Math.Max(0, before.Count - window); i < before.Count; i++)
        {
            sequence.Add(before[i]);
        }

        var first = sequence.Count;
        sequence.AddRange(added);
        var recorded = 0;
        for (var to = first; to < sequence.Count; to++)
        {
            for (var from = Math.Max(0, to - window); from < to; from++)
            {
                if (!string.Equals(sequence[from].ItemId, sequence[to].ItemId, StringComparison.Ordinal))
                {
                    _pending.Enqueue(new CoVisit(sequence[from].ItemId, sequence[to].ItemId, 1f / (to - from), sequence[to].Timestamp));
                    recorded++;
                }
            }
        }

        if (Interlocked.Add(ref _count, recorded) >= FlushSize)
        {
            FlushAsync().Ignore();
        }
    }

    /// <summary>Sends everything buffered now, one call per shard; completes when the shards have counted it.</summary>
    public Task FlushAsync()
    {
        if (Interlocked.Exchange(ref _flushing, 1) != 0)
        {
            return Task.CompletedTask;
        }

        try
        {
            var shards = _options.Value.Shards;
            var batches = new Dictionary<int, ImmutableArray<CoVisit>.Builder>();
            while (_pending.TryDequeue(out var visit))
            {
                Interlocked.Decrement(ref _count);
                var shard = ShardHash.Shard(visit.From, shards);
                if (!batches.TryGetValue(shard, out var batch))
                {
                    batches[shard] = batch = ImmutableArray.CreateBuilder<CoVisit>();
                }

                batch.Add(visit);
            }

            // Derived, best-effort data: a lost batch only weakens one source of candidates (callers ignore failures).
            return Task.WhenAll(batches.Select(b => _grains.GetGrain<ICoVisitationShardGrain>(b.Key).Record(b.Value.ToImmutable())));
        }
        finally
        {
            Volatile.Write(ref _flushing, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
