using System.Diagnostics;
using OpenTelemetry;

namespace RecoGrid.ServiceDefaults;

/// <summary>
/// Keeps ids out of exported spans: the request path (it holds user and item ids; the span keeps the route template in
/// <c>http.route</c> and its name), and the key part of Orleans grain ids (a user grain's key is the user id), of which
/// only the grain type stays ("user/alice" becomes "user").
/// </summary>
internal sealed class IdScrubbingProcessor : BaseProcessor<Activity>
{
    private static readonly string[] GrainIdTags = ["orleans.rpc.target_id", "orleans.rpc.source_id", "orleans.grain.id"];

    public override void OnEnd(Activity data)
    {
        if (data.GetTagItem("url.path") is not null)
        {
            data.SetTag("url.path", null);
        }

        foreach (var tag in GrainIdTags)
        {
            if (data.GetTagItem(tag) is { } value && value.ToString() is { } id && id.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
            {
                data.SetTag(tag, id[..slash]);
            }
        }
    }
}
