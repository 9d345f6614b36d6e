from rest_framework.routers import DefaultRouter

from evaluations.api import deadline_views, setup_views, views

router = DefaultRouter()
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("benchmarks", views.BenchmarkViewSet, basename="benchmark")
router.register("result-uploads", views.ResultUploadViewSet, basename="result-upload")
router.register("assignments", views.EvaluatorAssignmentViewSet, basename="assignment")
router.register("score-sheets", views.ScoreSheetViewSet, basename="score-sheet")
router.register("gate-results", views.GateResultViewSet, basename="gate-result")
router.register("panel-results", views.PanelResultViewSet, basename="panel-result")
router.register("standings", views.StandingsViewSet, basename="standings")
router.register("standings-snapshots", views.StandingsSnapshotViewSet, basename="standings-snapshot")
router.register("deadline-extensions", deadline_views.DeadlineExtensionViewSet, basename="deadline-extension")
router.register("rubric-components", setup_views.RubricComponentViewSet, basename="rubric-component")
router.register("rubric-criteria", setup_views.RubricCriterionViewSet, basename="rubric-criterion")
router.register("gates", setup_views.RubricGateViewSet, basename="gate")
router.register("phase-benchmarks", setup_views.PhaseBenchmarkViewSet, basename="phase-benchmark")
router.register("target-models", setup_views.TargetModelViewSet, basename="target-model")
router.register("reference-scores", setup_views.ReferenceScoreViewSet, basename="reference-score")
router.register("phase-participants", setup_views.PhaseParticipantViewSet, basename="phase-participant")
urlpatterns = router.urls
