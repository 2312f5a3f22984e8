using System.Net;

namespace RecoGrid.Cli.Tests;

/// <summary>Waits for a node's /readyz: a started node becomes ready once its interaction log has recovered.</summary>
public static class Readiness
{
    public static async Task<HttpResponseMessage> WaitAsync(HttpClient http, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var response = await http.GetAsync("/readyz");
            if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(20);
        }
    }
}
