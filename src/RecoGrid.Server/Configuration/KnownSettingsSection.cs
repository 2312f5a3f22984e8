namespace RecoGrid.Server.Configuration;

/// <summary>
/// A configuration section RecoGrid owns and the options types bound to it, so misspelt keys under it can be reported.
/// Keys named in <see cref="OpenKeys"/> may hold anything (another component reads them); keys in
/// <see cref="RetiredKeys"/> were settings once, and the message says what replaced them.
/// </summary>
public sealed record KnownSettingsSection(
    string Section,
    IReadOnlyList<Type> OptionsTypes,
    IReadOnlyList<string>? OpenKeys = null,
    IReadOnlyDictionary<string, string>? RetiredKeys = null);
