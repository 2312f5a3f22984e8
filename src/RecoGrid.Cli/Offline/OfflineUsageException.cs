namespace RecoGrid.Cli.Offline;

/// <summary>A problem with the command line or its files that the user can fix; printed without a stack trace.</summary>
internal sealed class OfflineUsageException(string message) : Exception(message);
