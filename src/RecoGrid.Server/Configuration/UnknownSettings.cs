using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace RecoGrid.Server.Configuration;

/// <summary>
/// Finds keys under RecoGrid's own configuration sections that no options type reads (a misspelt
/// <c>Api:MaxRecomendations</c> would otherwise be silently ignored) and suggests the closest known key.
/// </summary>
public static class UnknownSettings
{
    /// <summary>One message per unknown key, e.g. "Unknown setting 'Api:MaxRecomendations'; did you mean 'Api:MaxRecommendations'?".</summary>
    public static IReadOnlyList<string> Find(IConfiguration configuration, IEnumerable<KnownSettingsSection> sections)
    {
        var problems = new List<string>();
        foreach (var group in sections.GroupBy(s => s.Section, StringComparer.OrdinalIgnoreCase))
        {
            var section = configuration.GetSection(group.Key);
            if (!section.Exists())
            {
                continue;
            }

            var known = new Dictionary<string, KeyShape>(StringComparer.OrdinalIgnoreCase);
            var retired = group.SelectMany(e => e.RetiredKeys ?? new Dictionary<string, string>())
                .ToDictionary(pair => $"{group.Key}:{pair.Key}", pair => pair.Value, StringComparer.OrdinalIgnoreCase);
            foreach (var entry in group)
            {
                foreach (var type in entry.OptionsTypes)
                {
                    Describe(type, group.Key, known, depth: 0);
                }

                foreach (var open in entry.OpenKeys ?? [])
                {
                    known[$"{group.Key}:{open}"] = KeyShape.Open;
                }
            }

            Check(section, known, retired, problems);
        }

        return problems;
    }

    private static void Check(IConfigurationSection section, Dictionary<string, KeyShape> known, Dictionary<string, string> retired, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            if (retired.TryGetValue(child.Path, out var replacement))
            {
                problems.Add($"'{child.Path}' is no longer a setting: {replacement}");
            }
            else if (!known.TryGetValue(child.Path, out var shape))
            {
                var suggestion = Closest(child.Path, known.Keys);
                problems.Add(suggestion is null
                    ? $"Unknown setting '{child.Path}'."
                    : $"Unknown setting '{child.Path}'; did you mean '{suggestion}'?");
            }
            else if (shape == KeyShape.Object)
            {
                Check(child, known, retired, problems);
            }
        }
    }

    private static void Describe(Type type, string prefix, Dictionary<string, KeyShape> known, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } && !IsCollection(property.PropertyType))
            {
                continue;
            }

            var path = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                known[path] = KeyShape.Value;
            }
            else if (IsCollection(propertyType) || depth >= 4)
            {
                known[path] = KeyShape.Open;
            }
            else
            {
                known[path] = KeyShape.Object;
                Describe(propertyType, path, known, depth + 1);
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) ||
        type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static string? Closest(string path, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(path.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // A suggestion further away than a third of the key would be noise.
        return best is not null && bestDistance <= Math.Max(2, path.Length / 3) ? best : null;
    }

    // Levenshtein distance with two rows.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private enum KeyShape
    {
        Value,
        Object,
        Open,
    }
}
