using System.Diagnostics;
using System.Globalization;
using RecoGrid.LoadTest.Measurement;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>What one simulation run does.</summary>
internal sealed record SimulationPlan(
    PopulationSettings Population,
    TransportSettings Transport,
    IReadOnlyList<RateStep>? Steps,
    int Concurrency,
    TimeSpan Duration,
    long MaxRequests,
    FindMaxPlan? FindMax);

/// <summary>--find-max: start rate, growth factor, step length, SLO and error budget.</summary>
internal sealed record FindMaxPlan(double StartRate, double Factor, TimeSpan StepDuration, double SloP99Ms, double MaxErrorRate, int MaxSteps, int Refinements, TimeSpan WarmUp);

/// <summary>Runs a plan against one API and assembles the report (a live line per second on the terminal).</summary>
internal static class Simulation
{
    public static async Task<SimulationReport> RunAsync(Uri target, string? apiKey, SimulationPlan plan, double? startupSeconds, TextWriter progress, CancellationToken cancellationToken)
    {
        var population = new Population(plan.Population);
        var metrics = new RunMetrics();
        using var runner = new SimulationRunner(target, apiKey, population, plan.Transport, metrics);
        using var probe = new ServerProbe(target, apiKey);
        var clock = Stopwatch.StartNew();
        var timeline = new List<SecondSummary>();
        var targetRate = 0.0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ServerSample? latest = null;
        var ticker = TickAsync();
        var sampler = SampleAsync();

        string mode;
        FindMaxResult? findMax = null;
        IReadOnlyList<RateStep>? steps = plan.Steps;
        if (plan.FindMax is { } find)
        {
            mode = "find-max";
            var tried = new List<RateStep>();
            if (find.WarmUp > TimeSpan.Zero)
            {
                // Unmeasured: JIT, connection set-up and first activations would otherwise fail the first step.
                var warm = new RateStep(find.StartRate, find.WarmUp);
                tried.Add(warm);
                await runner.RunOpenLoopAsync([warm], clock, clock.Elapsed + warm.Duration, long.MaxValue, r => targetRate = r, cancellationToken);
            }

            findMax = await FindMaxAsync(find, async rate =>
            {
                var step = new RateStep(rate, find.StepDuration);
                tried.Add(step);
                await WaitForSecondAsync();
                metrics.ResetWindow();
                var sentBefore = runner.Sent;
                await runner.RunOpenLoopAsync([step], clock, clock.Elapsed + step.Duration, long.MaxValue, r => targetRate = r, cancellationToken);
                await WaitForSecondAsync();
                return Judge(find, step, metrics);
            });
            steps = tried;
        }
        else if (plan.Steps is { } open)
        {
            mode = "open-loop";
            await runner.RunOpenLoopAsync(open, clock, plan.Duration, plan.MaxRequests, r => targetRate = r, cancellationToken);
        }
        else
        {
            mode = "closed-loop";
            await runner.RunClosedLoopAsync(plan.Concurrency, clock, plan.Duration, plan.MaxRequests, cancellationToken);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await ticker;
        await sampler;
        Close(await probe.SampleAsync(cancellationToken) ?? latest);

        var endpoints = Enum.GetValues<Endpoint>().Select(e => new EndpointSummary(
            Name(e),
            metrics.Seconds(e).Sum(s => s.Sent),
            metrics.Ok(e),
            new SortedDictionary<string, long>(metrics.Errors(e).ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal),
            metrics.Ok(e) / Math.Max(seconds, 1e-9),
            metrics.Total(e))).ToList();
        return new SimulationReport(
            DateTimeOffset.UtcNow, mode, target.ToString(), plan.Transport.Http2, Environment.ProcessorCount, startupSeconds,
            plan.Population, plan.Population.Mix.ToString(), steps, plan.Steps is null && plan.FindMax is null ? plan.Concurrency : null,
            seconds, runner.Sent, metrics.ClientSaturated, population.NewUsers, runner.ModelShare, endpoints, timeline, findMax,
            ServerMemory.Of(timeline, probe.Problem));

        void Close(ServerSample? server)
        {
            var closed = metrics.CloseSecond(targetRate);
            var summary = new SecondSummary(timeline.Count, targetRate, closed[Endpoint.Events], closed[Endpoint.Recommendations], population.DistinctUsers, server);
            timeline.Add(summary);
            progress.WriteLine(Describe(summary, runner));
        }

        async Task TickAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    Close(Interlocked.Exchange(ref latest, null));
                }
            }
            catch (OperationCanceledException)
            {
                // The run ended.
            }
        }

        // Scrapes the node's /metrics once a second on its own loop (a slow scrape must not stretch a second).
        async Task SampleAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                do
                {
                    if (await probe.SampleAsync(stop.Token) is { } sample)
                    {
                        Volatile.Write(ref latest, sample);
                    }
                }
                while (await timer.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
                // The run ended.
            }
        }

        async Task WaitForSecondAsync()
        {
            var closed = metrics.SecondsClosed;
            while (metrics.SecondsClosed == closed && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Multiplies the rate by the factor while each step holds the SLO, then bisects between the last rate that held
    /// and the first that did not.
    /// </summary>
    public static async Task<FindMaxResult> FindMaxAsync(FindMaxPlan plan, Func<double, Task<FindMaxStep>> tryRate)
    {
        var steps = new List<FindMaxStep>();
        double? good = null;
        double? bad = null;
        var rate = plan.StartRate;
        for (var i = 0; i < plan.MaxSteps; i++)
        {
            var step = await tryRate(rate);
            steps.Add(step);
            if (!step.Passed)
            {
                bad = rate;
                break;
            }

            good = rate;
            rate *= plan.Factor;
        }

        for (var i = 0; i < plan.Refinements && good is { } low && bad is { } high && high - low > Math.Max(1, low * 0.02); i++)
        {
            var middle = Math.Round((low + high) / 2);
            var step = await tryRate(middle);
            steps.Add(step);
            if (step.Passed)
            {
                good = middle;
            }
            else
            {
                bad = middle;
            }
        }

        var failing = steps.LastOrDefault(s => !s.Passed);
        var bound = good is null
            ? $"Even the first rate ({plan.StartRate:F0}/s) missed: {failing?.Verdict}. Start lower (--rate)."
            : bad is null
                ? $"Every rate tried held the SLO; the search stopped after {plan.MaxSteps} steps (raise --rate or --find-max-steps)."
                : $"Above it: {failing?.Verdict}.";
        return new FindMaxResult(plan.SloP99Ms, plan.MaxErrorRate, good, steps, bound);
    }

    private static FindMaxStep Judge(FindMaxPlan plan, RateStep step, RunMetrics metrics)
    {
        var windows = Enum.GetValues<Endpoint>().Select(metrics.Window).ToList();
        var ok = windows.Sum(w => w.Ok);
        var errors = windows.Sum(w => w.Errors);
        var worst = windows.Where(w => w.Latency.Count > 0).Select(w => w.Latency.P99).DefaultIfEmpty(0).Max();
        var seconds = step.Duration.TotalSeconds;
        var achieved = ok / seconds;
        var errorRate = ok + errors == 0 ? 1 : (double)errors / (ok + errors);
        var c = CultureInfo.InvariantCulture;
        string verdict;
        var passed = false;
        if (worst > plan.SloP99Ms)
        {
            verdict = string.Create(c, $"p99 {worst:F1} ms > {plan.SloP99Ms} ms");
        }
        else if (errorRate > plan.MaxErrorRate)
        {
            verdict = string.Create(c, $"errors {errorRate:P2} > {plan.MaxErrorRate:P2}");
        }
        else if (achieved < step.RequestsPerSecond * 0.9)
        {
            verdict = string.Create(c, $"answered {achieved:F0}/s of {step.RequestsPerSecond:F0}/s");
        }
        else
        {
            verdict = "held";
            passed = true;
        }

        return new FindMaxStep(step.RequestsPerSecond, seconds, achieved, worst, errorRate, passed, verdict);
    }

    private static string Describe(SecondSummary s, SimulationRunner runner)
    {
        var e = s.Events;
        var r = s.Recommendations;
        var errors = e.Errors.Values.Sum() + r.Errors.Values.Sum();
        return string.Create(CultureInfo.InvariantCulture,
            $"{s.Second,4}s target {s.TargetRate,8:F0}/s  ok {e.Ok + r.Ok,7}/s  in flight {runner.InFlight,6}  events p99 {e.Latency.P99,8:F2} ms  recommendations p50 {r.Latency.P50,7:F2} p99 {r.Latency.P99,8:F2} ms  errors {errors}");
    }

    private static string Name(Endpoint endpoint) => endpoint == Endpoint.Events ? "events" : "recommendations";
}
