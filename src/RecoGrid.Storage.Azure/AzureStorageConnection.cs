using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace RecoGrid.Storage.Azure;

/// <summary>
/// How a store reaches Azure Storage: a connection string (an account key, a SAS, or Azurite's development string), or
/// the account's blob service URI with <see cref="DefaultAzureCredential"/> (managed identity, workload identity, az login).
/// </summary>
public sealed record AzureStorageConnection(string? ConnectionString, Uri? ServiceUri)
{
    /// <summary>Retries of one request: a few quick ones, so a storage outage is reported (503) within seconds, not minutes.</summary>
    public const int MaxRetries = 3;

    /// <summary>Longest one request may take before it is retried.</summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Parses the usual setting: an absolute https URI means "use DefaultAzureCredential", anything else is a connection string.</summary>
    public static AzureStorageConnection Parse(string? connectionString, string? serviceUri) =>
        !string.IsNullOrWhiteSpace(serviceUri) ? new(null, new Uri(serviceUri, UriKind.Absolute))
        : connectionString is { Length: > 0 } s && Uri.TryCreate(s, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? new(null, uri)
        : new(string.IsNullOrWhiteSpace(connectionString) ? null : connectionString, null);

    /// <summary>True when neither a connection string nor a service URI was given.</summary>
    public bool IsEmpty => ConnectionString is null && ServiceUri is null;

    /// <summary>Describes what is wrong with the two settings named <paramref name="connectionStringKey"/> and <paramref name="serviceUriKey"/>, or null.</summary>
    public static string? Problem(string? connectionString, string? serviceUri, string connectionStringKey, string serviceUriKey)
    {
        if (string.IsNullOrWhiteSpace(connectionString) && string.IsNullOrWhiteSpace(serviceUri))
        {
            return $"{connectionStringKey} (an Azure Storage connection string, e.g. 'UseDevelopmentStorage=true' for Azurite) or {serviceUriKey} (the blob service URI, used with DefaultAzureCredential) must be set.";
        }

        if (!string.IsNullOrWhiteSpace(serviceUri)
            && (!Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            return $"{serviceUriKey} must be an absolute http(s) URI such as https://ACCOUNT.blob.core.windows.net (was '{serviceUri}').";
        }

        if (string.IsNullOrWhiteSpace(serviceUri) && connectionString is { } s && !Uri.TryCreate(s, UriKind.Absolute, out _) && !LooksLikeConnectionString(s))
        {
            return $"{connectionStringKey} is not an Azure Storage connection string (expected 'Key=Value;...' pairs such as 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...' or 'UseDevelopmentStorage=true').";
        }

        return null;
    }

    /// <summary>A blob service client with RecoGrid's retry policy.</summary>
    public BlobServiceClient CreateBlobServiceClient()
    {
        var options = new BlobClientOptions();
        Configure(options.Retry);
        return ServiceUri is { } uri
            ? new BlobServiceClient(uri, Credential, options)
            : new BlobServiceClient(ConnectionString ?? throw new InvalidOperationException("No Azure Storage connection string or service URI is configured."), options);
    }

    /// <summary>The credential used with a service URI.</summary>
    public static TokenCredential Credential => LazyCredential.Value;

    private static readonly Lazy<TokenCredential> LazyCredential = new(() => new DefaultAzureCredential());

    /// <summary>Applies RecoGrid's retry policy to an Azure SDK client's options.</summary>
    public static void Configure(RetryOptions retry)
    {
        retry.MaxRetries = MaxRetries;
        retry.Mode = RetryMode.Exponential;
        retry.Delay = TimeSpan.FromMilliseconds(200);
        retry.MaxDelay = TimeSpan.FromSeconds(2);
        retry.NetworkTimeout = NetworkTimeout;
    }

    private static bool LooksLikeConnectionString(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries).All(part => part.IndexOf('=', StringComparison.Ordinal) > 0);
}
