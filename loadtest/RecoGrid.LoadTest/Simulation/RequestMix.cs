using System.Globalization;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>The share of each request kind, parsed from <c>events=20,recommendations=80</c>.</summary>
internal sealed record RequestMix(double Events, double Recommendations)
{
    public static RequestMix Default { get; } = new(0.2, 0.8);

    /// <summary>Parses <c>kind=weight,…</c>; weights are relative (they need not add up to 100).</summary>
    public static RequestMix Parse(string text)
    {
        double events = 0, recommendations = 0;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight < 0)
            {
                throw new FormatException($"--mix: '{part}' is not kind=weight (e.g. events=20,recommendations=80).");
            }

            switch (pair[0].ToLowerInvariant())
            {
                case "events":
                    events = weight;
                    break;
                case "recommendations":
                    recommendations = weight;
                    break;
                default:
                    throw new FormatException($"--mix: unknown kind '{pair[0]}'; use events and recommendations.");
            }
        }

        var total = events + recommendations;
        return total <= 0 ? throw new FormatException("--mix: give at least one positive weight.") : new RequestMix(events / total, recommendations / total);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"events={Events * 100:0.#},recommendations={Recommendations * 100:0.#}");
}
