using System.Globalization;
using RecoGrid.Abstractions;

namespace RecoGrid.Server.Experiments;

/// <summary>
/// Which variant a user sees, and the recommendation ids that carry it. A user's variant is a stable hash of the
/// experiment id and the user id, so it is the same on every node and every request, and independent between experiments.
/// </summary>
public static class ExperimentAssignment
{
    /// <summary>Longest recommendation id an event may carry.</summary>
    public const int MaxRecommendationIdLength = 160;

    /// <summary>The index of the variant <paramref name="userId"/> is assigned to.</summary>
    public static int Assign(ExperimentDefinition experiment, string userId)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var point = Point(experiment.ExperimentId, userId);
        var cumulative = 0.0;
        for (var i = 0; i < experiment.Variants.Length - 1; i++)
        {
            cumulative += experiment.Variants[i].Share;
            if (point < cumulative)
            {
                return i;
            }
        }

        return experiment.Variants.Length - 1;
    }

    /// <summary>The user's position in [0, 1): the top 53 bits of a 64-bit hash.</summary>
    public static double Point(string experimentId, string userId) =>
        (ShardHash.Of(experimentId + "\n" + userId) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A new experiment id.</summary>
    public static string NewExperimentId() => "exp-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A recommendation id outside any experiment: 32 hex digits.</summary>
    public static string NewRecommendationId() => Guid.NewGuid().ToString("N");

    /// <summary>A recommendation id that names the experiment and variant it was served in: <c>{experimentId}.{variant}.{32 hex}</c>.</summary>
    public static string NewRecommendationId(string experimentId, int variant) =>
        string.Create(CultureInfo.InvariantCulture, $"{experimentId}.{variant}.{Guid.NewGuid():N}");

    /// <summary>
    /// Parses a recommendation id; returns the reason it is malformed, or null. <paramref name="experimentId"/> is null
    /// for an id served outside any experiment.
    /// </summary>
    public static string? TryParse(string id, out string? experimentId, out int variant)
    {
        experimentId = null;
        variant = -1;
        var parts = id.Split('.');
        if (parts.Length == 1 && IsHex32(id))
        {
            return null;
        }

        if (parts.Length == 3 && IsHex32(parts[2]) && parts[0].StartsWith("exp-", StringComparison.Ordinal)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out variant))
        {
            experimentId = parts[0];
            return null;
        }

        variant = -1;
        return "is not a recommendationId this service issued (copy it from a recommendation response)";
    }

    private static bool IsHex32(string text) => text.Length == 32 && text.All(char.IsAsciiHexDigitLower);
}
