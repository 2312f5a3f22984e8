using System.Globalization;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>One step of target rate: so many requests per second for so long.</summary>
internal readonly record struct RateStep(double RequestsPerSecond, TimeSpan Duration);

/// <summary>Open-loop target rates: constant (<c>--rate 2000</c>) or stepped (<c>--rate-steps 1000:30s,2000:30s</c>).</summary>
internal static class RateSchedule
{
    /// <summary>Parses <c>rate[:duration],…</c>; a step without a duration lasts <paramref name="defaultStep"/>.</summary>
    public static IReadOnlyList<RateStep> ParseSteps(string text, TimeSpan defaultStep)
    {
        var steps = new List<RateStep>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!double.TryParse(pair[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate <= 0)
            {
                throw new FormatException($"--rate-steps: '{part}' does not start with a positive rate (e.g. 1000:30s).");
            }

            steps.Add(new RateStep(rate, pair.Length == 2 ? ParseDuration(pair[1], "--rate-steps") : defaultStep));
        }

        return steps.Count == 0 ? throw new FormatException("--rate-steps: give at least one step.") : steps;
    }

    /// <summary>Parses <c>50ms</c>, <c>2s</c>, <c>1.5m</c> or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        text = text.Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ => (text, 1.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : throw new FormatException($"{option}: '{text}' is not a duration (e.g. 50ms, 30s, 2m).");
    }
}
