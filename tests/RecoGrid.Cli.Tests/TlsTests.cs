using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Tests;

/// <summary>HTTPS from configuration only: a certificate file in Kestrel:Certificates:Default and an https address.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task ANodeServesHttpsWithTheConfiguredCertificate()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(dataDir, "node.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));

        var settings = HostFixture.TestSettings();
        settings["Kestrel:Certificates:Default:Path"] = pfx;
        settings["Kestrel:Certificates:Default:Password"] = "secret";
        var port = TestPorts.Next();
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"https://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();

        string? served = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                served = cert?.Thumbprint;
                return cert?.Thumbprint == certificate.Thumbprint;
            },
        };
        using var http = TestClients.WithKey(new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") }, TestClients.AdminKey(dataDir));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/admin/models")).StatusCode);
        Assert.Equal(certificate.Thumbprint, served);

        await app.StopAsync();
        Directory.Delete(dataDir, recursive: true);
    }
}
