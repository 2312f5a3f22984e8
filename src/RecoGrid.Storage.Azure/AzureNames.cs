namespace RecoGrid.Storage.Azure;

/// <summary>Azure's rules for names RecoGrid chooses.</summary>
public static class AzureNames
{
    /// <summary>Why <paramref name="name"/> cannot be a blob container name (3-63 lower-case letters, digits and single hyphens), or null.</summary>
    public static string? ContainerProblem(string? name, string setting)
    {
        if (name is null || name.Length is < 3 or > 63
            || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || name[0] == '-' || name[^1] == '-' || name.Contains("--", StringComparison.Ordinal))
        {
            return $"{setting} must be a blob container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit (was '{name}').";
        }

        return null;
    }
}
