using RecoGrid.Server.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Api;

/// <summary>/v1/admin/models: the model registry (same operations as `recogrid models`).</summary>
public static class ModelsApi
{
    /// <summary>Body of POST /v1/admin/models: an artifact folder inside the model import folder (<c>{data}/import</c>), named relative to it.</summary>
    public sealed record AddModelRequest(string? Path);

    /// <summary>The registry as the API shows it.</summary>
    public sealed record RegistryResponse(string? Active, IReadOnlyList<ModelVersionInfo> Versions, IReadOnlyList<string> History, string? ServedHere);

    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder group)
    {
        var admin = group.MapGroup("/admin/models").WithTags("Models (admin)");
        admin.MapGet("", List)
            .WithName("ListModels")
            .WithSummary("List registered model versions, the promoted one, and the one this node serves.")
            .Produces<RegistryResponse>();
        admin.MapPost("", Add)
            .WithName("AddModel")
            .WithSummary("Register a training artifact from the model import folder and export its ONNX models.")
            .WithDescription("`path` names a folder made by `recogrid train --out DIR` inside `{data folder}/import`, relative to it (e.g. \"model-2024-06\"); nothing outside that folder can be named. The same artifact registered again (recognized by its checksum) answers 200 with the existing version and copies nothing.")
            .Accepts<AddModelRequest>("application/json")
            .Produces<ModelVersionInfo>(StatusCodes.Status201Created)
            .Produces<ModelVersionInfo>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem();
        admin.MapPost("/{version}:promote", Promote)
            .WithName("PromoteModel")
            .WithSummary("Promote a version: every silo swaps to it within seconds; requests in flight finish on the old one.")
            .Produces<RegistryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapModelHistoryApi();
        group.MapPost("/admin/models:rollback", Rollback)
            .WithTags("Models (admin)")
            .WithName("RollbackModel")
            .WithSummary("Re-promote the version that was active before the current one.")
            .Produces<RegistryResponse>()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> List(IModelRegistry registry, ActiveModelHolder active, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToResponse(await registry.GetAsync(cancellationToken), active));

    private static async Task<IResult> Add(HttpRequest request, ModelRegistration registration, ModelImportFolder import, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<AddModelRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (import.Resolve(body!.Path, out var folder) is { } pathProblem)
        {
            return RequestBody.Invalid("path", pathProblem);
        }

        try
        {
            var (info, existing) = await registration.AddOrFindAsync(folder, $"{ModelImportFolder.FolderName}/{Path.GetRelativePath(import.Root, folder).Replace('\\', '/')}", cancellationToken);
            return existing ? TypedResults.Ok(ToPublic(info)) : TypedResults.Created($"/v1/admin/models/{info.Version}", ToPublic(info));
        }
        catch (ModelArtifactException exception)
        {
            // The message names the artifact by its folder; answers name the file at fault only.
            return RequestBody.Invalid("path", exception.Message.Replace($"Model artifact '{exception.Directory}'", "the artifact", StringComparison.Ordinal));
        }
    }

    private static Task<IResult> Promote(string version, IModelRegistry registry, ModelWatcher watcher, ActiveModelHolder active, CancellationToken cancellationToken) =>
        ChangeAsync(ct => registry.PromoteAsync(version, ct), StatusCodes.Status404NotFound, "Unknown model version.", watcher, active, cancellationToken);

    private static Task<IResult> Rollback(IModelRegistry registry, ModelWatcher watcher, ActiveModelHolder active, CancellationToken cancellationToken) =>
        ChangeAsync(registry.RollbackAsync, StatusCodes.Status409Conflict, "Nothing to roll back to.", watcher, active, cancellationToken);

    // Changes the registry, then loads the result on this node at once (other nodes follow on their next poll).
    private static async Task<IResult> ChangeAsync(
        Func<CancellationToken, Task<ModelRegistryState>> change, int refusedStatus, string refusedTitle,
        ModelWatcher watcher, ActiveModelHolder active, CancellationToken cancellationToken)
    {
        try
        {
            var state = await change(cancellationToken);
            await watcher.SyncAsync(cancellationToken);
            return TypedResults.Ok(ToResponse(state, active));
        }
        catch (ModelRegistryException exception)
        {
            return TypedResults.Problem(statusCode: refusedStatus, title: refusedTitle, detail: exception.Message);
        }
    }

    private static RegistryResponse ToResponse(ModelRegistryState state, ActiveModelHolder active) =>
        new(state.Active, [.. state.Versions.Select(ToPublic)], state.History, active.Version);

    // Versions registered with `recogrid models add DIR` record an absolute path; answers show only its last folder name.
    private static ModelVersionInfo ToPublic(ModelVersionInfo info) =>
        info.Source is { } source && Path.IsPathRooted(source) ? info with { Source = Path.GetFileName(source.TrimEnd('/', '\\')) } : info;
}
