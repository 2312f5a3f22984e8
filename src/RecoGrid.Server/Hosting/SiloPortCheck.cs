using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// Runs before the silo starts: a node whose silo or gateway port is taken (by another node on this machine, say) stops
/// with a message naming the setting, instead of starting a second cluster beside the first.
/// </summary>
internal sealed class SiloPortCheck(NodeClusterOptions cluster, IPAddress listenAddress) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (setting, port) in new[] { ("Orleans:SiloPort", cluster.SiloPort), ("Orleans:GatewayPort", cluster.GatewayPort) })
        {
            var listener = new TcpListener(listenAddress, port);
            try
            {
                listener.Start();
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new InvalidOperationException(
                    $"{setting} {port} is already in use on {listenAddress} (another RecoGrid node on this machine?); give every node on one machine its own Orleans:SiloPort and Orleans:GatewayPort.",
                    error);
            }
            finally
            {
                listener.Stop();
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
