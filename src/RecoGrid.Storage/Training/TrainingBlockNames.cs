namespace RecoGrid.Storage.Training;

/// <summary>The rule every block store applies to block names: '/'-separated parts of letters, digits, '.', '-' and '_'.</summary>
public static class TrainingBlockNames
{
    /// <summary>Returns <paramref name="name"/>, or throws <see cref="ArgumentException"/> when it breaks the rule.</summary>
    public static string Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('/');
        if (parts.Any(p => p.Length == 0 || p.StartsWith('.') || p.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')))
        {
            throw new ArgumentException($"'{name}' is not a valid training block name ('/'-separated letters, digits, '.', '-', '_').", nameof(name));
        }

        return name;
    }
}
