using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HdrHistogram;

namespace RecoGrid.LoadTest.Chaos;

/// <summary>What happened to the requests of one phase of the chaos run.</summary>
internal sealed class PhaseCounters(string phase)
{
    // Requests of a finished phase may still be recording while it reports, so both take the lock.
    private readonly LongHistogram _latency = new(TimeStamp.Hours(1), 3);
    private readonly Lock _latencyLock = new();
    private readonly ConcurrentDictionary<int, long> _failuresByStatus = new();
    private long _events, _eventsOk, _recs, _recsOk, _unavailable, _unavailableWithRetryAfter, _serverErrors, _otherErrors, _connectionFailures, _timeouts, _fromModel, _fromPopularity, _fromFallback;
    private long _lastFailureTicks = -1, _firstSuccessAfterTicks = -1, _watchFrom = long.MaxValue;

    public string Phase { get; } = phase;

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    private TimeSpan? _length;

    /// <summary>New requests go to the next phase from now on; the phase's length is fixed here (its requests still in flight are counted when they end).</summary>
    public void End() => _length ??= Clock.Elapsed;

    /// <summary>From now on, note the first successful event append (after a fault was repaired).</summary>
    public void WatchForRecovery() => Interlocked.Exchange(ref _watchFrom, Clock.ElapsedTicks);

    public void Record(bool events, HttpStatusCode? status, bool retryAfter, long elapsedTimestamp, string? source, bool timedOut)
    {
        lock (_latencyLock)
        {
            _latency.RecordValue(Math.Clamp(elapsedTimestamp, 1, _latency.HighestTrackableValue));
        }

        Interlocked.Increment(ref events ? ref _events : ref _recs);
        var ok = status is { } s && (int)s is >= 200 and < 300;
        if (ok)
        {
            Interlocked.Increment(ref events ? ref _eventsOk : ref _recsOk);
            if (events && Clock.ElapsedTicks >= Volatile.Read(ref _watchFrom))
            {
                Interlocked.CompareExchange(ref _firstSuccessAfterTicks, Clock.ElapsedTicks, -1);
            }

            if (source == "model")
            {
                Interlocked.Increment(ref _fromModel);
            }
            else if (source == "popularity")
            {
                Interlocked.Increment(ref _fromPopularity);
            }
            else if (source == "popularity-fallback")
            {
                Interlocked.Increment(ref _fromFallback);
            }

            return;
        }

        Interlocked.Exchange(ref _lastFailureTicks, Clock.ElapsedTicks);
        if (status is { } failed && !timedOut)
        {
            _failuresByStatus.AddOrUpdate((int)failed, 1, (_, n) => n + 1);
        }

        if (timedOut)
        {
            Interlocked.Increment(ref _timeouts);
        }
        else if (status is null)
        {
            Interlocked.Increment(ref _connectionFailures);
        }
        else if (status == HttpStatusCode.ServiceUnavailable)
        {
            Interlocked.Increment(ref _unavailable);
            if (retryAfter)
            {
                Interlocked.Increment(ref _unavailableWithRetryAfter);
            }
        }
        else if ((int)status >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
        }
        else
        {
            Interlocked.Increment(ref _otherErrors);
        }
    }

    public PhaseReport Report(double? faultAtSeconds, long? lostEvents = null, int? unverifiedUsers = null)
    {
        HistogramBase latency;
        lock (_latencyLock)
        {
            latency = _latency.Copy();
        }

        double Ms(double percentile) => latency.TotalCount == 0 ? 0 : latency.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
        double? Seconds(long ticks) => ticks < 0 ? null : (double)ticks / Stopwatch.Frequency;
        return new PhaseReport(
            Phase, (_length ?? Clock.Elapsed).TotalSeconds, _events, _eventsOk, _recs, _recsOk, _unavailable, _unavailableWithRetryAfter, _serverErrors, _otherErrors,
            _connectionFailures, _timeouts, _fromModel, _fromPopularity, Ms(50), Ms(99), latency.TotalCount == 0 ? 0 : latency.GetMaxValue() * 1000.0 / Stopwatch.Frequency,
            faultAtSeconds, Seconds(_lastFailureTicks), Seconds(_firstSuccessAfterTicks))
        {
            RecommendationsFallback = _fromFallback,
            FailuresByStatus = new SortedDictionary<int, long>(_failuresByStatus),
            LostEvents = lostEvents,
            UnverifiedUsers = unverifiedUsers,
        };
    }
}

/// <summary>One phase's figures, as printed and as written to --json.</summary>
internal sealed record PhaseReport(
    string Phase, double Seconds, long EventRequests, long EventRequestsOk, long RecommendationRequests, long RecommendationRequestsOk,
    long Status503, long Status503WithRetryAfter, long Status5xxOther, long Status4xx, long ConnectionFailures, long Timeouts,
    long RecommendationsFromModel, long RecommendationsFromPopularity, double P50Ms, double P99Ms, double MaxMs,
    double? FaultAtSeconds, double? LastFailureAtSeconds, double? FirstEventAckAfterRepairSeconds)
{
    /// <summary>Recommendations answered 200 with <c>popularity-fallback</c> (no scoring silo answered in time).</summary>
    public long RecommendationsFallback { get; init; }

    /// <summary>Failed requests by HTTP status (connection failures and client timeouts are counted apart).</summary>
    public IReadOnlyDictionary<int, long> FailuresByStatus { get; init; } = new SortedDictionary<int, long>();

    /// <summary>Acknowledged events of the users this phase touched that their state lacked at the phase's check (null: not checked); the final check says which stayed missing.</summary>
    public long? LostEvents { get; init; }

    /// <summary>Users whose state could not be read within the verification's time limit.</summary>
    public int? UnverifiedUsers { get; init; }

    public string Describe() =>
        $"{Phase,-14} {Seconds,5:F0} s  events {EventRequestsOk}/{EventRequests} ok  recs {RecommendationRequestsOk}/{RecommendationRequests} ok " +
        $"(model {RecommendationsFromModel}, popularity {RecommendationsFromPopularity}, fallback {RecommendationsFallback})  " +
        $"failures by status [{string.Join(", ", FailuresByStatus.Select(f => $"{f.Key}: {f.Value}"))}]  503 {Status503} ({Status503WithRetryAfter} with Retry-After)  " +
        $"other 5xx {Status5xxOther}  4xx {Status4xx}  connection failures {ConnectionFailures}  timeouts {Timeouts}  " +
        $"p50 {P50Ms:F1} ms  p99 {P99Ms:F1} ms  max {MaxMs:F0} ms" +
        (LostEvents is { } lost ? $"  lost events {lost}" + (UnverifiedUsers is > 0 ? $" ({UnverifiedUsers} users unverified)" : "") : "") +
        (FaultAtSeconds is { } fault ? $"  fault at {fault:F1} s, last failure at {LastFailureAtSeconds?.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} s" : "") +
        (FirstEventAckAfterRepairSeconds is { } ack ? $", first ack after repair at {ack:F1} s" : "");
}

/// <summary>
/// Closed-loop callers sending event batches (each event with a unique id) and recommendation requests to the live API
/// nodes in turn, as a load balancer would: a node that refuses connections is taken out of rotation. Every
/// acknowledged (202) event is counted per user, to check afterwards that none was lost.
/// </summary>
internal sealed class ChaosLoad(IReadOnlyList<Node> apiNodes, int users, int concurrency, int seed, string apiKey, TimeSpan requestTimeout)
{
    private static readonly string[] Types = ["view", "click", "add-to-cart", "purchase"];
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = requestTimeout,
        DefaultRequestHeaders = { { "X-Api-Key", apiKey } },
    };

    // Users with events acknowledged since the last verification, and what each verification found missing per user.
    private readonly ConcurrentDictionary<string, bool> _touched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _missing = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<Uri, bool> _down = new();
    private long _turn;
    private volatile PhaseCounters _phase = new("warm-up");

    /// <summary>Acknowledged events per user.</summary>
    public ConcurrentDictionary<string, long> Acknowledged { get; } = new(StringComparer.Ordinal);

    public PhaseCounters Phase => _phase;

    public PhaseCounters StartPhase(string name)
    {
        var next = new PhaseCounters(name);
        Interlocked.Exchange(ref _phase, next).End();
        return next;
    }

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(() => WorkerAsync(worker, stop), CancellationToken.None)));

    /// <summary>
    /// Checks the users whose events were acknowledged since the last call (all users with <paramref name="everyone"/>):
    /// returns the events acknowledged for them that their state lacks at this check (lost, or still being applied: the
    /// final check of every user with the load stopped decides), and the users whose state could not be read before
    /// <paramref name="limit"/>.
    /// </summary>
    public async Task<(long Lost, int Unverified, int Checked)> VerifyAsync(Uri node, TimeSpan limit, bool everyone, CancellationToken cancellationToken)
    {
        var batch = everyone ? [.. Acknowledged.Keys] : _touched.Keys.ToArray();
        foreach (var user in batch)
        {
            _touched.TryRemove(user, out _);
        }

        long lost = 0;
        var unverified = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken.None }, async (user, _) =>
        {
            // Read the acknowledged count first: the state may only be ahead of it (events applied, then acknowledged).
            var acknowledged = Acknowledged.GetValueOrDefault(user);
            var total = await TotalEventsAsync(new Uri(node, $"/v1/users/{user}"), deadline.Token);
            if (total is null)
            {
                Interlocked.Increment(ref unverified);
                _touched[user] = true; // checked again next time
                return;
            }

            // A later check replaces an earlier one: a state that only lagged is not counted as lost at the end.
            var missing = Math.Max(0, acknowledged - total.Value);
            _missing[user] = missing;
            Interlocked.Add(ref lost, missing);
        });

        return (lost, unverified, batch.Length);
    }

    /// <summary>Every acknowledged event, the ones found missing, and the users they belong to.</summary>
    public (long Acknowledged, long Missing, int Users) Totals() =>
        (Acknowledged.Values.Sum(), _missing.Values.Sum(), _missing.Count(m => m.Value > 0));

    /// <summary>Waits until a whole window of <paramref name="quiet"/> passes without a failed request (at most <paramref name="limit"/>); returns how long it took.</summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan quiet, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var phase = StartPhase("settle");
            await Task.Delay(quiet, cancellationToken);
            var report = phase.Report(null);
            // Stalled requests are no failures: both kinds of request must also have succeeded in the window.
            if (report.LastFailureAtSeconds is null && report.EventRequestsOk > 0 && report.RecommendationRequestsOk > 0)
            {
                break;
            }
        }

        return clock.Elapsed;
    }

    // A node may still be re-balancing (a dead silo not yet declared dead): 503s and timeouts are retried until the
    // verification's deadline; null when the state could not be read by then.
    private async Task<long?> TotalEventsAsync(Uri address, CancellationToken deadline)
    {
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(address, deadline);
                if (response.IsSuccessStatusCode)
                {
                    var state = await response.Content.ReadFromJsonAsync<JsonElement>(deadline);
                    return state.GetProperty("totalEvents").GetInt64();
                }

                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    throw new InvalidOperationException($"GET {address} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(deadline)}");
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException)
            {
                // Timed out or refused: try again until the deadline.
            }

            try
            {
                await Task.Delay(500, deadline);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        var random = new Random(HashCode.Combine(seed, worker));
        while (!stop.IsCancellationRequested)
        {
            var node = NextNode();
            if (node is null)
            {
                await Task.Delay(100, CancellationToken.None);
                continue;
            }

            var phase = _phase;
            var events = random.NextDouble() < 0.5;
            var started = Stopwatch.GetTimestamp();
            HttpStatusCode? status = null;
            var retryAfter = false;
            string? source = null;
            var timedOut = false;
            List<string>? batchUsers = null;
            try
            {
                HttpResponseMessage response;
                if (events)
                {
                    batchUsers = [.. Enumerable.Range(0, 5).Select(_ => UserId(random))];
                    var batch = batchUsers.Select(u => new { userId = u, itemId = random.Next(500).ToString(System.Globalization.CultureInfo.InvariantCulture), type = Types[random.Next(Types.Length)], eventId = Guid.NewGuid().ToString("N") }).ToArray();
                    response = await _http.PostAsJsonAsync(new Uri(node.BaseAddress, "/v1/events"), new { events = batch }, CancellationToken.None);
                }
                else
                {
                    response = await _http.GetAsync(new Uri(node.BaseAddress, $"/v1/users/{UserId(random)}/recommendations?count=10"), CancellationToken.None);
                }

                using (response)
                {
                    status = response.StatusCode;
                    retryAfter = response.Headers.RetryAfter is not null;
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (!events && response.IsSuccessStatusCode)
                    {
                        source = JsonDocument.Parse(body).RootElement.GetProperty("source").GetString();
                    }
                }

                if (events && status == HttpStatusCode.Accepted)
                {
                    foreach (var user in batchUsers!)
                    {
                        Acknowledged.AddOrUpdate(user, 1, (_, n) => n + 1);
                        _touched[user] = true;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Refused or reset: a load balancer's health check would take the node out now.
                if (!node.Alive)
                {
                    _down[node.BaseAddress] = true;
                }
            }
            catch (TaskCanceledException)
            {
                timedOut = true;
            }

            phase.Record(events, status, retryAfter, Stopwatch.GetTimestamp() - started, source, timedOut);
        }
    }

    // The ids of the training data `recogrid generate` writes (0 .. users-1), so recommendations take the model path.
    private string UserId(Random random) => random.Next(users).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Node? NextNode()
    {
        for (var i = 0; i < apiNodes.Count; i++)
        {
            var node = apiNodes[(int)(Interlocked.Increment(ref _turn) % apiNodes.Count)];
            if (!_down.ContainsKey(node.BaseAddress))
            {
                return node;
            }
        }

        return null;
    }
}
