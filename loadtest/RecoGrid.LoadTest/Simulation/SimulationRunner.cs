using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RecoGrid.LoadTest.Measurement;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>How requests are sent: HTTP version, connections, in-flight bound.</summary>
internal sealed record TransportSettings(bool Http2, int Connections, int MaxInFlight, TimeSpan RequestTimeout);

/// <summary>
/// Sends the population's requests to a RecoGrid API, open loop (requests leave at their scheduled time whether or
/// not earlier ones were answered; latency counts from that time) or closed loop (fixed callers, each waiting for its
/// answer before sending the next).
/// </summary>
internal sealed class SimulationRunner : IDisposable
{
    private static readonly byte[] ModelSource = Encoding.UTF8.GetBytes("\"source\":\"model\"");
    private readonly HttpClient _http;
    private readonly Population _population;
    private readonly TransportSettings _transport;
    private readonly RunMetrics _metrics;
    private int _inFlight;
    private long _sent;
    private long _modelAnswers;
    private long _recommendationAnswers;

    public SimulationRunner(Uri baseAddress, string? apiKey, Population population, TransportSettings transport, RunMetrics metrics)
    {
        _population = population;
        _transport = transport;
        _metrics = metrics;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = transport.Connections,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            Timeout = transport.RequestTimeout,
            DefaultRequestVersion = transport.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
    }

    public long Sent => Interlocked.Read(ref _sent);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Share of recommendation answers the model (not popularity) gave.</summary>
    public double ModelShare
    {
        get
        {
            var answers = Interlocked.Read(ref _recommendationAnswers);
            return answers == 0 ? 0 : (double)Interlocked.Read(ref _modelAnswers) / answers;
        }
    }

    /// <summary>Open loop: Poisson arrivals at each step's rate until the steps end, <paramref name="deadline"/> passes or <paramref name="maxRequests"/> are sent.</summary>
    public async Task RunOpenLoopAsync(IReadOnlyList<RateStep> steps, Stopwatch clock, TimeSpan deadline, long maxRequests, Action<double> onRate, CancellationToken cancellationToken)
    {
        var random = new Random(17);
        var origin = Stopwatch.GetTimestamp() - clock.ElapsedTicks;
        var stepStart = clock.Elapsed.TotalSeconds;
        foreach (var step in steps)
        {
            onRate(step.RequestsPerSecond);
            var stepEnd = Math.Min(stepStart + step.Duration.TotalSeconds, deadline.TotalSeconds);
            var next = stepStart;
            while (!cancellationToken.IsCancellationRequested && Sent < maxRequests)
            {
                next += -Math.Log(1 - random.NextDouble()) / step.RequestsPerSecond;
                if (next >= stepEnd)
                {
                    break;
                }

                var wait = next - clock.Elapsed.TotalSeconds;
                if (wait > 0.001)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
                }

                var due = origin + (long)(next * Stopwatch.Frequency);
                var request = _population.Next();
                _metrics.RecordSent(request.Endpoint);
                Interlocked.Increment(ref _sent);
                if (Interlocked.Increment(ref _inFlight) > _transport.MaxInFlight)
                {
                    // The client is the bottleneck: count it, never wait (waiting would hide the server's latency).
                    Interlocked.Decrement(ref _inFlight);
                    _metrics.Record(request.Endpoint, 1, RunMetrics.ClientSaturatedStatus);
                    continue;
                }

                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Runner.SendAsync(state.Request, state.Due), (Runner: this, Request: request, Due: due), preferLocal: false);
            }

            stepStart = stepEnd;
            if (stepStart >= deadline.TotalSeconds || Sent >= maxRequests)
            {
                break;
            }
        }

        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closed loop: <paramref name="callers"/> callers, each sending its next request when the last is answered.</summary>
    public async Task RunClosedLoopAsync(int callers, Stopwatch clock, TimeSpan deadline, long maxRequests, CancellationToken cancellationToken)
    {
        var workers = Enumerable.Range(0, callers).Select(async _ =>
        {
            await Task.Yield();
            while (!cancellationToken.IsCancellationRequested && clock.Elapsed < deadline && Interlocked.Increment(ref _sent) <= maxRequests)
            {
                var request = _population.Next();
                _metrics.RecordSent(request.Endpoint);
                Interlocked.Increment(ref _inFlight);
                await SendAsync(request, Stopwatch.GetTimestamp()).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        Interlocked.Exchange(ref _sent, Math.Min(Interlocked.Read(ref _sent), maxRequests));
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (InFlight > 0 && waited.Elapsed < _transport.RequestTimeout + TimeSpan.FromSeconds(1) && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    // due: the Stopwatch timestamp at which the request was scheduled to leave; latency counts from it.
    private async Task SendAsync(SimulatedRequest request, long due)
    {
        string? status = null;
        try
        {
            using var message = Build(request);
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            else if (request.Endpoint == Endpoint.Recommendations)
            {
                Interlocked.Increment(ref _recommendationAnswers);
                if (body.AsSpan().IndexOf(ModelSource) >= 0)
                {
                    Interlocked.Increment(ref _modelAnswers);
                }
            }
        }
        catch (TaskCanceledException)
        {
            status = "timeout";
        }
        catch (HttpRequestException)
        {
            status = "connection";
        }
        finally
        {
            var micros = (Stopwatch.GetTimestamp() - due) * 1_000_000 / Stopwatch.Frequency;
            _metrics.Record(request.Endpoint, micros, status);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static HttpRequestMessage Build(SimulatedRequest request)
    {
        if (request.Endpoint == Endpoint.Recommendations)
        {
            return new HttpRequestMessage(HttpMethod.Get, $"/v1/users/{Uri.EscapeDataString(request.UserId)}/recommendations?count=10");
        }

        var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("events");
            for (var i = 0; i < request.ItemIds!.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("userId", request.UserId);
                json.WriteString("itemId", request.ItemIds[i]);
                json.WriteString("type", request.EventTypes![i]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
    }

    public void Dispose() => _http.Dispose();
}
